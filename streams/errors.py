"""One exception root (``ExtractwatchError``, defined in ``models.errors`` with ``CheckpointError`` so
that ``models/`` need not import ``streams/``). Bad input is not an exception: it becomes a DLQ
record with a reason."""

from models.errors import CheckpointError, ExtractwatchError

__all__ = [
    "BenchError",
    "CheckpointError",
    "ConfigError",
    "DeliveryError",
    "ExtractwatchError",
    "InputFileError",
]


class ConfigError(ExtractwatchError):
    """A setting is missing or invalid; the message names the variable to fix."""


class DeliveryError(ExtractwatchError):
    """Kafka did not accept a message we had to deliver."""


class InputFileError(ExtractwatchError):
    """A file given on the command line cannot be used; the message says what to change in it."""


class BenchError(ExtractwatchError):
    """A benchmark run could not be measured: a process died, or never started working."""
