"""taskengine: a backend for mobile crowd work."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("taskengine")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

API_VERSION = "1.0"
