"""The three services and the composition root that wires them (cli.py, runtime.py, catalogue.py).

Importing any of them registers the system's services with the kernel (services/catalogue.py),
and the problem types, rule codes and extension members its pages describe
(services/problem_catalogue/).
"""

from services import catalogue as catalogue
from services import problem_catalogue as problem_catalogue
