"""The manifest: what the FAISS file of an index directory was built from.

Written after the FAISS file, both through a temporary name and a rename, so a reader sees
an old pair or a new pair, never half of one. A manifest whose generation differs from the
store's marks the FAISS file as stale.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from index.errors import storage_error

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    documents: int
    passages: int
    generation: int
    vector_file: str
    vector_index: str
    # The vector file's checksum (faiss_vectors.checksum_of); empty in older manifests.
    vector_checksum: str = ""


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of a directory, or None when it is missing or unreadable."""
    try:
        data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(directory: Path, manifest: Manifest) -> None:
    write_atomically(
        directory / MANIFEST_NAME,
        json.dumps(asdict(manifest), indent=2, sort_keys=True).encode("utf-8"),
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary name and a rename; on failure (a full disk) no temporary
    file is left behind, and the error says which file."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise storage_error(error, path.parent) from error
