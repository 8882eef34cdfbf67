"""Errors raised by the storage layer, each with a message a person can act on."""


class StorageError(Exception):
    """Base class of storage errors."""


class ModelMismatchError(StorageError):
    """The index was built with another encoder model or vector dimension."""


class CorruptIndexError(StorageError):
    """A file of the index cannot be read and cannot be rebuilt from the store."""
