"""datagen: paired corrupted/clean/mask video clips for overlay removal, as WebDataset shards."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("datagen")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

FORMAT_VERSION = 1
"""Version of the sample contract and manifest layout (see README, "Sample format")."""
