"""The three services and the composition root that wires them (cli.py, runtime.py, catalogue.py).

Importing any of them registers the system's services with the kernel (services/catalogue.py).
"""

from services import catalogue as catalogue
