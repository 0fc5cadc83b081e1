"""Every fixture the test directories share lives in ``tests/fixtures/`` (see its ``__init__``);
each tier marker is given in ``tests/fixtures/tiers.py``."""

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.apps",
    "tests.fixtures.clients",
    "tests.fixtures.smtp",
    "tests.fixtures.workers",
    "tests.fixtures.world",
    "tests.fixtures.tiers",
]
