"""Milvus collections of a qa index: where they are (``MilvusTarget``), connecting to
them, making them, and the model binding kept in their properties."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from index.errors import CorruptIndexError, StorageError
from index.near_copies import BANDS

log = logging.getLogger(__name__)

# Bytes a VARCHAR holds at most.
MAX_VARCHAR_BYTES = 65_535
# Every Milvus collection needs a vector field; documents and texts have this stand-in.
PLACEHOLDER = "placeholder"
PLACEHOLDER_DIM = 2
HNSW_PARAMS = {"M": 16, "efConstruction": 200}


@dataclass(frozen=True)
class MilvusTarget:
    """Where the collections are, and how they are made and read."""

    uri: str
    token: str = ""
    db_name: str = ""
    prefix: str = "qa_"
    consistency: str = "Strong"
    shards: int = 1
    replicas: int = 1

    @property
    def embedded(self) -> bool:
        """milvus-lite: a local ``.db`` file rather than a server."""
        return self.uri.endswith(".db")

    def name(self, collection: str) -> str:
        return f"{self.prefix}{collection}"

    def describe(self) -> str:
        where = self.uri if not self.db_name else f"{self.uri} (database {self.db_name})"
        return f"Milvus at {where}, collections {self.prefix}*"


# Clients open on each milvus-lite file in this process: its in-process server holds the
# file's lock until released, and is released when the last of them closes.
_embedded_clients: dict[str, int] = {}
_embedded_lock = threading.Lock()


def connect(target: MilvusTarget) -> Any:
    """A client of the target, with errors named for the person who set it up."""
    from pymilvus import MilvusClient

    if target.embedded:
        # As the local index makes its directory: a fresh clone has no data/ yet.
        os.makedirs(os.path.dirname(os.path.abspath(target.uri)), exist_ok=True)
        # Its failure to start is raised below, with a hint; not also logged as a traceback.
        logging.getLogger("milvus_lite.server_manager").setLevel(logging.CRITICAL)
    try:
        client = MilvusClient(uri=target.uri, token=target.token, db_name=target.db_name)
    except Exception as error:  # pymilvus raises its own and grpc's errors alike
        hint = (
            "; milvus-lite lets one process open a file at a time: is another one, such as "
            "a running `qa serve`, holding it? (add articles through its POST /documents)"
            if target.embedded
            else ""
        )
        raise StorageError(f"cannot reach {target.describe()}: {error}{hint}") from error
    if target.embedded:
        with _embedded_lock:
            path = os.path.abspath(target.uri)
            _embedded_clients[path] = _embedded_clients.get(path, 0) + 1
    return client


def disconnect(client: Any, target: MilvusTarget) -> None:
    """Close a client; the last one of a milvus-lite file lets another process open it."""
    client.close()
    if not target.embedded:
        return
    with _embedded_lock:
        path = os.path.abspath(target.uri)
        _embedded_clients[path] -= 1
        if _embedded_clients[path]:
            return
        del _embedded_clients[path]
    from milvus_lite import server_manager_instance

    server_manager_instance.release_server(path)


def stored_model(target: MilvusTarget) -> tuple[str, int] | None:
    """The (model, dimension) the collections were made for; None when there are none."""
    client = connect(target)
    try:
        return binding_of(client, target)
    finally:
        disconnect(client, target)


def drop_collections(target: MilvusTarget) -> None:
    """Remove the target's collections and everything in them."""
    client = connect(target)
    try:
        for collection in ("passages", "documents", "texts", "copies"):
            if client.has_collection(target.name(collection)):
                client.drop_collection(target.name(collection))
    finally:
        disconnect(client, target)


def binding_of(client: Any, target: MilvusTarget) -> tuple[str, int] | None:
    passages = target.name("passages")
    if not client.has_collection(passages):
        return None
    properties = client.describe_collection(passages).get("properties", {})
    try:
        return str(properties["qa.model"]), int(properties["qa.dimension"])
    except (KeyError, ValueError) as error:
        raise CorruptIndexError(
            f"the collection {passages} in {target.describe()} has no model binding "
            f"({error}); it was not made by qa: use another collection prefix"
        ) from error


def call(target: MilvusTarget, method: Any, *args: Any, **kwargs: Any) -> Any:
    """A client call, its failure raised as a StorageError naming the target."""
    try:
        return method(*args, **kwargs)
    except StorageError:
        raise
    except Exception as error:
        raise StorageError(f"{target.describe()}: {error}") from error


def create_collections(client: Any, target: MilvusTarget, model: str, dimension: int) -> None:
    """The four collections, the passages one last: its model binding says the others
    are there."""
    from pymilvus import DataType, Function, FunctionType

    # English stemming and stop words on a server; milvus-lite refuses "english".
    analyzer = {"type": "standard"} if target.embedded else {"type": "english"}

    passages = client.create_schema(auto_id=False, enable_dynamic_field=False)
    passages.add_field("key", DataType.INT64, is_primary=True)
    passages.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    passages.add_field("version", DataType.INT64)
    passages.add_field("ordinal", DataType.INT64)
    passages.add_field("start", DataType.INT64)
    passages.add_field("end", DataType.INT64)
    passages.add_field(
        "text", DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES, enable_analyzer=True,
        analyzer_params=analyzer,
    )  # fmt: skip
    passages.add_field(
        "title", DataType.VARCHAR, max_length=4096, enable_analyzer=True,
        analyzer_params=analyzer,
    )  # fmt: skip
    passages.add_field("source", DataType.VARCHAR, max_length=8192)
    passages.add_field("published", DataType.VARCHAR, max_length=256)
    passages.add_field("sentence_spans", DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES)
    passages.add_field("sentence_vectors", DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES)
    passages.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    passages.add_field("sparse_text", DataType.SPARSE_FLOAT_VECTOR)
    passages.add_field("sparse_title", DataType.SPARSE_FLOAT_VECTOR)
    for field in ("text", "title"):
        passages.add_function(
            Function(
                name=f"bm25_{field}",
                function_type=FunctionType.BM25,
                input_field_names=[field],
                output_field_names=[f"sparse_{field}"],
            )
        )
    indexes = client.prepare_index_params()
    indexes.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
    for field in ("sparse_text", "sparse_title"):
        indexes.add_index(field, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    # Made last: the binding on it says the other two are there.
    _create_plain(client, target, target.name("documents"), _document_fields())
    _create_plain(client, target, target.name("texts"), _text_fields())
    create_copies(client, target)
    call(
        target,
        client.create_collection,
        target.name("passages"),
        schema=passages,
        index_params=indexes,
        consistency_level=target.consistency,
        num_shards=target.shards,
        properties={"qa.model": model, "qa.dimension": str(dimension)},
    )
    log.info("created the collections %s* in %s", target.prefix, target.uri)


def _document_fields() -> list[tuple[str, Any, dict[str, Any]]]:
    from pymilvus import DataType

    return [
        ("doc_id", DataType.VARCHAR, {"max_length": 1024, "is_primary": True}),
        ("version", DataType.INT64, {}),
        ("title", DataType.VARCHAR, {"max_length": 4096}),
        ("source", DataType.VARCHAR, {"max_length": 8192}),
        ("url", DataType.VARCHAR, {"max_length": 8192}),
        ("published", DataType.VARCHAR, {"max_length": 256}),
        ("metadata", DataType.VARCHAR, {"max_length": MAX_VARCHAR_BYTES}),
        ("content_hash", DataType.VARCHAR, {"max_length": 256}),
        ("passages", DataType.INT64, {}),
        ("text_parts", DataType.INT64, {}),
    ]


def _text_fields() -> list[tuple[str, Any, dict[str, Any]]]:
    from pymilvus import DataType

    return [
        ("key", DataType.VARCHAR, {"max_length": 2048, "is_primary": True}),
        ("doc_id", DataType.VARCHAR, {"max_length": 1024}),
        ("version", DataType.INT64, {}),
        ("part", DataType.INT64, {}),
        ("text", DataType.VARCHAR, {"max_length": MAX_VARCHAR_BYTES}),
    ]


def create_copies(client: Any, target: MilvusTarget) -> bool:
    """The near-copy signatures' collection; False when it was there already. A server
    indexes the band keys (INVERTED) for ``array_contains_any``; milvus-lite cannot, and
    scans them."""
    indexed = [] if target.embedded else ["bands"]
    return _create_plain(client, target, target.name("copies"), _copy_fields(), indexed)


def _copy_fields() -> list[tuple[str, Any, dict[str, Any]]]:
    from pymilvus import DataType

    return [
        ("key", DataType.VARCHAR, {"max_length": 2048, "is_primary": True}),
        ("doc_id", DataType.VARCHAR, {"max_length": 1024}),
        ("version", DataType.INT64, {}),
        ("signature", DataType.VARCHAR, {"max_length": 1024}),  # base64 of 512 bytes
        ("bands", DataType.ARRAY, {"element_type": DataType.INT64, "max_capacity": BANDS}),
    ]


def _create_plain(
    client: Any,
    target: MilvusTarget,
    name: str,
    fields: list[tuple[str, Any, dict[str, Any]]],
    inverted: list[str] | None = None,
) -> bool:
    from pymilvus import DataType

    if client.has_collection(name):
        return False
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    for field_name, data_type, options in fields:
        schema.add_field(field_name, data_type, **options)
    schema.add_field(PLACEHOLDER, DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    indexes = client.prepare_index_params()
    indexes.add_index(PLACEHOLDER, index_type="FLAT", metric_type="L2")
    for field_name in inverted or []:
        indexes.add_index(field_name, index_type="INVERTED")
    call(
        target,
        client.create_collection,
        name,
        schema=schema,
        index_params=indexes,
        consistency_level=target.consistency,
        num_shards=target.shards,
    )
    return True
