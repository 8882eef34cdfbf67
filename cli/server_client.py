"""`qa watch --server`: sending what a watch reads to a running server, through its API, as
`POST /documents` (for a milvus-lite file a server holds, or a server on another machine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from urllib.parse import quote

import httpx

from qa.documents import Document
from qa.intake.fetch_policy import FetchLimits
from qa.intake.sources import SourceResult, load_sources


@dataclass
class Sent:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    refused: int = 0


class ServerWriter:
    def __init__(self, base_url: str, token: str, limits: FetchLimits) -> None:
        self.base_url = base_url.rstrip("/")
        self.limits = limits
        self.client = httpx.Client(
            headers={"Authorization": f"Bearer {token}"}, timeout=300, follow_redirects=False
        )

    def is_known(self, doc_id: str) -> bool:
        response = self.client.get(f"{self.base_url}/documents/{quote(doc_id, safe='')}")
        return response.status_code == 200

    def add_sources(self, sources: Sequence[str]) -> tuple[SourceResult, Sent]:
        loaded = load_sources(sources, self.limits, is_known=self.is_known)
        sent = Sent()
        for document in loaded.documents:
            response = self.client.post(f"{self.base_url}/documents", json=_fields(document))
            if response.status_code == 201:
                sent.added += 1
            elif response.status_code == 200:
                status = response.json().get("status")
                sent.unchanged += status == "unchanged"
                sent.replaced += status != "unchanged"
            else:
                sent.refused += 1
                loaded.errors.append(
                    f"{document.doc_id}: the server answered {response.status_code}: "
                    f"{response.text[:300]}"
                )
        return loaded, sent

    def close(self) -> None:
        self.client.close()


def _fields(document: Document) -> dict[str, object]:
    fields = asdict(document)
    fields.pop("content_hash", None)
    return fields
