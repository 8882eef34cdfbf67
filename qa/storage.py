"""Which index the settings name, opened: the one place that knows the storage engines.

Today the SQLite + FAISS store in ``index_dir`` (``index.LocalIndex``); a second engine is
another branch here, and nothing else in ``qa`` changes.
"""

from __future__ import annotations

from index import LocalIndex, ModelMismatchError, PassageIndex
from index.local import index_exists, refuse_a_lost_store, stored_model
from qa.settings import Settings


def open_index(settings: Settings, dimension: int) -> PassageIndex:
    """The index for vectors of this dimension; a new one is created when there is none."""
    return LocalIndex(
        settings.index_dir,
        settings.index_model,
        dimension,
        settings.hnsw_from,
        check_store=settings.check_store,
    )


def has_index(settings: Settings) -> bool:
    return index_exists(settings.index_dir)


def check_before_opening(settings: Settings) -> None:
    """The checks that need no model, so that a server refuses to start at once: a store
    lost beside its manifest (CorruptIndexError), an index of another model."""
    refuse_a_lost_store(settings.index_dir)
    refuse_another_model(settings)


def refuse_another_model(settings: Settings) -> None:
    """Raise ModelMismatchError, before the model is loaded, when the index was built with
    another model than the settings give."""
    built_with = stored_model(settings.index_dir)
    if built_with is not None and built_with[0] != settings.index_model:
        raise ModelMismatchError(settings.index_dir, built_with, (settings.index_model, None))
