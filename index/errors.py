"""Errors raised by the storage layer, each with a message a person can act on."""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base class of storage errors."""


class ModelMismatchError(StorageError):
    """The index was built with another encoder model or vector dimension."""

    def __init__(
        self, location: Path | str, built_with: tuple[str, int], wanted: tuple[str, int | None]
    ) -> None:
        (built_model, built_dimension), (model, dimension) = built_with, wanted
        given = f"{model!r}" if dimension is None else f"{model!r} ({dimension} dimensions)"
        super().__init__(
            f"the index at {location} was built with the model {built_model!r} "
            f"({built_dimension} dimensions), but the encoder is {given}; use the same model "
            "(QA_MODEL, QA_EMBED_TITLE) or build a new index for this one"
        )


class CorruptIndexError(StorageError):
    """A file of the index cannot be read and cannot be rebuilt from the store."""


class ReadOnlyIndexError(StorageError):
    """The index cannot be written: its directory or files are read-only."""


class DiskFullError(StorageError):
    """The disk that holds the index has no room left for a write."""


def storage_error(error: Exception, directory: Path) -> StorageError:
    """The error of a failed read or write of the index at ``directory`` (or of one of its
    files, when that is what is named), by its cause: a read-only index or a full disk,
    else damage."""
    text = str(error).lower()
    errno = getattr(error, "errno", None)
    if errno == 28 or "disk is full" in text or "no space left" in text:
        return DiskFullError(
            f"the disk holding the index at {directory} is full ({error}); free space and retry"
        )
    if "locked" in text or "busy" in text:
        return StorageError(
            f"the index at {directory} is locked by another writer ({error}); retry shortly"
        )
    if errno in (13, 30) or "readonly" in text or "read-only" in text:
        return ReadOnlyIndexError(
            f"the index at {directory} is read-only ({error}); it needs write access, even to "
            "answer questions (SQLite's WAL files live beside it)"
        )
    return CorruptIndexError(
        f"the index at {directory} cannot be read ({error}): restore its passage store from "
        "a backup, or move the directory away and ingest the articles into a new index"
    )
