"""The root of extractwatch's exceptions, here in the lowest layer so that ``models/`` raises it
without importing ``streams/``; ``streams.errors`` holds the rest and re-exports these."""


class ExtractwatchError(Exception):
    """Root of every error extractwatch raises on purpose."""


class CheckpointError(ExtractwatchError):
    """A saved state or model cannot be loaded by this version of extractwatch."""
