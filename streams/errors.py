"""One exception root. Bad input is not an exception: it becomes a DLQ record with a reason."""


class ExtractwatchError(Exception):
    """Root of every error extractwatch raises on purpose."""


class ConfigError(ExtractwatchError):
    """A setting is missing or invalid; the message names the variable to fix."""


class CheckpointError(ExtractwatchError):
    """A saved state or model cannot be loaded by this version of extractwatch."""


class DeliveryError(ExtractwatchError):
    """Kafka did not accept a message we had to deliver."""


class InputFileError(ExtractwatchError):
    """A file given on the command line cannot be used; the message says what to change in it."""


class BenchError(ExtractwatchError):
    """A benchmark run could not be measured: a process died, or never started working."""
