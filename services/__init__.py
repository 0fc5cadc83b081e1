"""The three services and the composition root that wires them (cli.py, runtime.py, catalogue.py).

Importing any of them registers the system's services with the kernel (services/catalogue.py),
and the problem types, rule codes and extension members its pages describe
(services/problem_catalogue/).
"""

import sys

# First, before anything of the application is imported: `jisso up`'s bytecode cache.
from services.bytecode import cache_for_up

cache_for_up(sys.argv)

from services import catalogue as catalogue  # noqa: E402
from services import problem_catalogue as problem_catalogue  # noqa: E402
