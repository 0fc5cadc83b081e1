"""The shared kernel: settings, database, errors, auth, logs, queue, time and codes.

No domain here.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jisso")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0"
