"""Letters (書面): what notify writes, before anything is stored or sent.

A letter is one message of one kind (``kinds.py``: the context keys a producer must give) to one
mailbox (``addresses.py``: the address as its owner wrote it, compared by its identity key),
rendered from the kind's templates (``rendering.py``, ``templates/``, dates and symposium facts
by ``textformat.py``, every link by ``hyperlinks.py``'s one rule), carrying the recipient's signed
RSVP and unsubscribe links (``links.py``) and, for a symposium, its calendar (``ics.py``), and
written out as the exact bytes an SMTP server receives (``mime.py``) for the server ``SMTP_URL``
names (``smtp.py``).

Nothing here reads or writes the database or the queue: campaigns, messages, RSVP and previews
build letters with it, and ``deliveries`` hands them over exactly once.
"""
