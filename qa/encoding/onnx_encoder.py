"""The encoder served through ONNX Runtime: the same model, exported once, without torch.

The sentence-transformers model (a transformer, mean pooling, normalisation) is exported
once to an ONNX file with the pooling and normalisation inside the graph, and cached. After
that, serving imports only onnxruntime and the tokenizers library: no torch, so a process
is ready in about a second and holds far less memory. The outputs match the
sentence-transformers path (tested), so an index built by either serves the other.

Only exporting needs torch (a dependency of sentence-transformers, always installed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from qa.encoding.model_source import EncoderError, resolve_model
from qa.sentences import Span

log = logging.getLogger(__name__)

# Bump when the exported graph changes, so cached files from an older export are redone.
EXPORT_VERSION = 2
_ONNX_OPSET = 17


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EncoderError(f"cannot read {path}: {error}") from error


def _check_exportable(location: Path) -> int:
    """The model's maximum sequence length, after checking that its pipeline is one this
    export reproduces: transformer, mean pooling, normalisation."""
    modules = _read_json(location / "modules.json")
    kinds = [module.get("type", "").rsplit(".", 1)[-1] for module in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise EncoderError(
            f"the ONNX encoder reproduces transformer + mean pooling + normalisation, but "
            f"{location} is {' + '.join(kinds)}; set QA_ENCODER_BACKEND=torch"
        )
    pooling = _read_json(location / modules[1]["path"] / "config.json")
    modes = [key for key, value in pooling.items() if key.startswith("pooling_mode") and value]
    if modes != ["pooling_mode_mean_tokens"]:
        raise EncoderError(
            f"the ONNX encoder does mean pooling only, but {location} uses {modes}; "
            "set QA_ENCODER_BACKEND=torch"
        )
    config = _read_json(location / "sentence_bert_config.json")
    return int(config["max_seq_length"])


def _fingerprint(location: Path) -> str:
    """Names the exported file: the model's files (by size and time) and the export code."""
    digest = hashlib.sha256(f"{location.resolve()}|{EXPORT_VERSION}".encode())
    for path in sorted(location.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def export_onnx(location: Path, target: Path) -> None:
    """Write the model, with mean pooling and normalisation, as an ONNX file at target."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    # Its weight-loading bar would sit above the ingest's own progress bar.
    transformers_logging.disable_progress_bar()
    transformer = AutoModel.from_pretrained(str(location))
    transformer.eval()

    class PooledEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> tuple[torch.Tensor, torch.Tensor]:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            # The token states too, for vectors of spans in context (encode_in_context).
            return torch.nn.functional.normalize(mean, p=2.0, dim=1), hidden

    example = torch.ones((2, 8), dtype=torch.int64)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed: a crash never leaves half a file.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        # The tracer warns about branches it fixes for the example shapes; the test against
        # sentence-transformers on texts of every length is what shows the export is right.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                PooledEncoder(),
                (example, example, torch.zeros_like(example)),
                temporary,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding", "tokens"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "token_type_ids": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                    "tokens": {0: "batch", 1: "tokens"},
                },
                opset_version=_ONNX_OPSET,
                dynamo=False,
            )
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def quantize_int8(source: Path, target: Path) -> None:
    """int8 weights, quantised per channel (per tensor loses far more of the model's
    accuracy), activations quantised on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        with _library_advice_hidden():
            quantize_dynamic(source, temporary, weight_type=QuantType.QInt8, per_channel=True)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@contextmanager
def _library_advice_hidden() -> Iterator[None]:
    """The quantiser logs advice for its own users on the root logger; it shows with -v
    (the root logger at INFO) and is hidden otherwise."""
    root = logging.getLogger()
    previous = root.level
    if previous > logging.INFO:
        root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(previous)


def _open_session(path: Path, threads: int) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own untyped errors
        raise EncoderError(f"cannot load the ONNX model {path}: {error}") from error


class OnnxEncoder:
    """The interface of ``qa.encoding.encoder.Encoder``, run by ONNX Runtime."""

    def __init__(
        self, model: str, cache_dir: Path, threads: int = 0, quantized: bool = False
    ) -> None:
        self.name = model
        self.quantized = quantized
        location = Path(resolve_model(model))
        if not location.is_dir():
            raise EncoderError(
                f"the ONNX encoder needs a model directory, not {model!r}; "
                "set QA_ENCODER_BACKEND=torch to load a model by name"
            )
        max_seq_length = _check_exportable(location)
        self.max_tokens = max_seq_length - 2  # [CLS] and [SEP]
        exported = cache_dir / f"{location.name}-{_fingerprint(location)}.onnx"
        wanted = exported.with_suffix(".int8.onnx") if quantized else exported
        try:
            self._session = _open_session(self._make(location, exported, wanted), threads)
        except EncoderError as error:
            # A damaged cached export is only a cache: make it again.
            log.warning("%s; exporting again", error)
            for path in (exported, wanted):
                path.unlink(missing_ok=True)
            self._session = _open_session(self._make(location, exported, wanted), threads)
        # A second session on one thread, for questions while others wait: it leaves the
        # other core to the HTTP and search threads; a lone question still gets both.
        self._lean_session = _open_session(wanted, 1)
        # Threads inside sharing_cores().
        self._sharing = threading.local()

        from tokenizers import Tokenizer

        # The tokenizer file carries truncation and padding settings of its own (128 fixed
        # for all-MiniLM-L6-v2): replace them with the model's real length and no padding.
        self._counter = Tokenizer.from_file(str(location / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_seq_length)
        self._tokenizer.no_padding()
        # One forward pass at load: it reads the dimension and warms the session, so the
        # first question is not the slow one.
        self.dimension = int(self._run(["warm-up"]).shape[1])

    def _make(self, location: Path, exported: Path, wanted: Path) -> Path:
        if not exported.is_file():
            log.info("exporting %s to %s (once)", self.name, exported)
            export_onnx(location, exported)
            # Exports of older model files or export code are of no further use.
            for stale in exported.parent.glob(f"{location.name}-*.onnx"):
                if not stale.name.startswith(exported.stem):
                    stale.unlink(missing_ok=True)
        if not wanted.is_file():
            log.info("quantising %s to int8 (once)", exported)
            quantize_int8(exported, wanted)
        return wanted

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def token_spans(self, text: str) -> list[Span]:
        encoding = self._counter.encode(text, add_special_tokens=False)
        return [(int(a), int(b)) for a, b in encoding.offsets]

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        if self.quantized:
            # Dynamic quantisation scales activations over the whole batch, so a text's
            # vector would depend on its companions: one text a pass keeps vectors
            # reproducible, and int8 gains nothing from batches.
            batch_size = 1
        # Texts of like length batched together waste less work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        batches = range(0, len(order), batch_size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="encoding", unit="batch")
        for first in batches:
            chosen = order[first : first + batch_size]
            vectors[chosen] = self._run([texts[i] for i in chosen])
        return vectors

    @contextmanager
    def sharing_cores(self) -> Iterator[None]:
        """Forward passes on this thread use one core while inside: a write's embedding
        leaves the other to the questions answered meanwhile."""
        self._sharing.on = True
        try:
            yield
        finally:
            self._sharing.on = False

    def _current_session(self) -> Any:
        return self._lean_session if getattr(self._sharing, "on", False) else self._session

    def encode_query(self, text: str) -> np.ndarray:
        return self._run([text])[0]

    def encode_questions(self, texts: Sequence[str], *, busy: bool = False) -> np.ndarray:
        session = self._lean_session if busy else self._session
        if self.quantized:  # one text a pass, as in encode
            return np.vstack([self._run([text], session) for text in texts])
        return self._run(list(texts), session)

    def _run(self, texts: list[str], session: Any = None) -> np.ndarray:
        # Texts tokenised one at a time: encode_batch hands even one text to a thread pool,
        # a cost the model thread felt under load.
        encodings = [self._tokenizer.encode(text) for text in texts]
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (embedding,) = (self._current_session() if session is None else session).run(
            ["embedding"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        return np.asarray(embedding, dtype=np.float32)

    def encode_in_context(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 32
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's vector, and a vector for each of its spans from the same forward
        pass: the mean of the span's token states, read in the context of the whole text.
        One pass a text instead of one for it and one for each sentence."""
        out = []
        for text, text_spans in zip(texts, spans, strict=True):
            encoding = self._tokenizer.encode(text)
            ids = np.asarray([encoding.ids], dtype=np.int64)
            embedding, tokens = self._current_session().run(
                ["embedding", "tokens"],
                {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                },
            )
            vector = np.asarray(embedding[0], dtype=np.float32)
            states = np.asarray(tokens[0], dtype=np.float32)
            offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
            ordinary = np.asarray(encoding.special_tokens_mask) == 0
            rows = []
            for start, end in text_spans:
                inside = ordinary & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
                inside &= offsets[:, 1] > offsets[:, 0]
                # A span with no token of its own (cut off by truncation): the text's vector.
                mean = states[inside].mean(axis=0) if inside.any() else vector
                rows.append(mean / (np.linalg.norm(mean) or 1.0))
            out.append((vector, np.asarray(rows, dtype=np.float32).reshape(-1, self.dimension)))
        return out
