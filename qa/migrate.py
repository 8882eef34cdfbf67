"""``qa migrate``: one index's documents copied into another, vectors and all.

Streams document by document through the ``PassageIndex`` protocol, so it copies between
any two backends (local to Milvus, or back) without running the model: passages keep their
vectors, sentence spans and sentence vectors. A document already in the target with the
same content hash is skipped, so an interrupted migration is resumed by running it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from index import Document, PassageIndex

# Documents listed a page.
PAGE = 500


@dataclass
class MigrationSummary:
    copied: int = 0
    unchanged: int = 0
    passages: int = 0

    def describe(self) -> str:
        return (
            f"{self.copied} documents copied ({self.passages} passages), "
            f"{self.unchanged} already there"
        )


def _documents(index: PassageIndex) -> Iterator[Document]:
    offset = 0
    while page := index.list_documents(PAGE, offset):
        for listed, _ in page:
            document = index.get_document(listed.doc_id)
            if document is not None:  # deleted meanwhile
                yield document
        offset += len(page)


def migrate(
    source: PassageIndex, target: PassageIndex, dimension: int, *, show_progress: bool = False
) -> MigrationSummary:
    summary = MigrationSummary()
    with tqdm(
        total=source.count_documents(), desc="migrating", unit="doc", disable=not show_progress
    ) as progress:
        for document in _documents(source):
            progress.update()
            if target.content_hash(document.doc_id) == document.content_hash:
                summary.unchanged += 1
                continue
            keys = [passage.key for passage in source.passages_of(document.doc_id)]
            rows = source.passages(keys)
            vectors = source.passage_vectors(keys)
            present = [key for key in keys if key in rows and key in vectors]
            target.add_document(
                document,
                [rows[key] for key in present],
                np.stack([vectors[key] for key in present]).astype(np.float32)
                if present
                else np.zeros((0, dimension), dtype=np.float32),
            )
            summary.copied += 1
            summary.passages += len(present)
    target.flush()
    return summary
