"""Which index the settings name, opened: the one place that knows the storage engines.

``local`` is the SQLite + FAISS store in ``index_dir`` (``index.LocalIndex``); ``milvus`` is
the collections of a Milvus server or milvus-lite file (``index.milvus.MilvusIndex``).
Nothing else in ``qa`` knows which one it is given.
"""

from __future__ import annotations

from index import LocalIndex, ModelMismatchError, PassageIndex
from index.local.local_index import index_exists, refuse_a_broken_store
from index.local.local_index import stored_model as stored_local_model
from index.milvus.milvus_collections import MilvusTarget
from index.milvus.milvus_collections import stored_model as stored_milvus_model
from index.milvus.milvus_index import MilvusIndex
from qa.settings import Settings


def milvus_target(settings: Settings) -> MilvusTarget:
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else ""
    return MilvusTarget(
        uri=settings.milvus_uri,
        token=token,
        db_name=settings.milvus_db,
        prefix=settings.milvus_collection_prefix,
        consistency=settings.milvus_consistency,
        shards=settings.milvus_shards,
        replicas=settings.milvus_replicas,
    )


def open_index(settings: Settings, dimension: int) -> PassageIndex:
    """The index for vectors of this dimension; a new one is created when there is none."""
    if settings.backend == "milvus":
        return MilvusIndex(milvus_target(settings), settings.index_model, dimension)
    return LocalIndex(
        settings.index_dir,
        settings.index_model,
        dimension,
        settings.hnsw_from,
        check_store=settings.check_store,
        vector_index=settings.vector_index,
        ivf_from=settings.ivf_from,
    )


def stored_model(settings: Settings) -> tuple[str, int] | None:
    """The (model, dimension) the index was built with; None when there is no index."""
    if settings.backend == "milvus":
        return stored_milvus_model(milvus_target(settings))
    return stored_local_model(settings.index_dir)


def has_index(settings: Settings) -> bool:
    if settings.backend == "milvus":
        return stored_model(settings) is not None
    return index_exists(settings.index_dir)


def check_before_opening(settings: Settings) -> None:
    """The checks that need no model, so that a server refuses to start at once, with one
    line: a store lost, emptied beside its manifest or damaged (CorruptIndexError; the
    quick_check only with QA_CHECK_STORE), an index of another model."""
    if settings.backend == "local":
        refuse_a_broken_store(settings.index_dir, quick_check=settings.check_store)
    refuse_another_model(settings)


def refuse_another_model(settings: Settings) -> None:
    """Raise ModelMismatchError, before the model is loaded, when the index was built with
    another model than the settings give."""
    built_with = stored_model(settings)
    if built_with is not None and built_with[0] != settings.index_model:
        raise ModelMismatchError(settings.index_location, built_with, (settings.index_model, None))
