"""Errors raised by the storage layer, each with a message a person can act on."""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base class of storage errors."""


class ModelMismatchError(StorageError):
    """The index was built with another encoder model or vector dimension."""

    def __init__(
        self, directory: Path, built_with: tuple[str, int], wanted: tuple[str, int | None]
    ) -> None:
        (built_model, built_dimension), (model, dimension) = built_with, wanted
        given = f"{model!r}" if dimension is None else f"{model!r} ({dimension} dimensions)"
        super().__init__(
            f"the index at {directory} was built with the model {built_model!r} "
            f"({built_dimension} dimensions), but the encoder is {given}; use the same model "
            "(QA_MODEL, QA_EMBED_TITLE) or build a new index for this one"
        )


class CorruptIndexError(StorageError):
    """A file of the index cannot be read and cannot be rebuilt from the store."""
