"""Notify (通知): messages, symposium invitation campaigns, RSVP and delivery."""
