"""What a running install is: its version, model, backends and the index format it reads,
as ``qa --version`` prints it and ``GET /version`` returns it."""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

from index.local.manifest import FORMAT_VERSION
from index.local.migrations import SCHEMA_VERSION
from qa.settings import Settings

DISTRIBUTION = "passage-qa"


def package_version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # run from a checkout never installed
        return "unknown"


@dataclass(frozen=True)
class VersionInfo:
    version: str
    model: str  # what an index records as its model (QA_MODEL, QA_EMBED_TITLE)
    encoder_backend: str
    backend: str
    index_format: str

    def describe(self) -> str:
        return (
            f"passage-qa {self.version}: model {self.model} ({self.encoder_backend}), "
            f"backend {self.backend}, index format {self.index_format}"
        )


def version_info(settings: Settings) -> VersionInfo:
    index_format = (
        f"store schema {SCHEMA_VERSION}, vector manifest {FORMAT_VERSION}"
        if settings.backend == "local"
        else "milvus collections (versioned passages)"
    )
    return VersionInfo(
        version=package_version(),
        model=settings.index_model,
        encoder_backend=settings.encoder_backend,
        backend=settings.backend,
        index_format=index_format,
    )
