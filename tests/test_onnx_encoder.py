"""The ONNX Runtime encoder against the sentence-transformers reference it is exported from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.encoding.encoder import Encoder, TorchEncoder
from qa.encoding.onnx_encoder import OnnxEncoder
from qa.sentences import split_sentences
from qa.settings import PACKAGED_MODEL, Settings
from tests.conftest import FIXTURE_ARTICLES, ROOT


def fixture_texts() -> list[str]:
    """Every run of consecutive sentences of the fixture articles (a few hundred texts,
    from one sentence to whole articles longer than the model's window), and odd inputs."""
    texts = []
    for path in sorted(FIXTURE_ARTICLES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        spans = split_sentences(text)
        for first in range(len(spans)):
            for last in range(first, len(spans)):
                texts.append(text[spans[first][0] : spans[last][1]])
    texts += ["", "?", "x" * 5000, "Кремль требует гарантий.", "北约东扩问题。", "🚆 strike!"]
    return texts


@pytest.fixture(scope="module")
def reference() -> Encoder:
    return TorchEncoder(PACKAGED_MODEL)


@pytest.fixture(scope="module")
def full_precision() -> Encoder:
    return OnnxEncoder(PACKAGED_MODEL, Settings().encoder_cache)


def test_onnx_vectors_match_sentence_transformers(
    full_precision: Encoder, reference: Encoder
) -> None:
    texts = fixture_texts()
    assert len(texts) >= 200
    onnx_vectors = full_precision.encode(texts, batch_size=16)
    torch_vectors = reference.encode(texts, batch_size=16)
    cosines = np.sum(onnx_vectors * torch_vectors, axis=1)
    assert cosines.min() >= 0.999, texts[int(np.argmin(cosines))][:80]
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-4)
    # One question alone is the same as in a batch (padding must not leak into the mean).
    single = full_precision.encode_query(texts[3])
    assert float(single @ onnx_vectors[3]) >= 0.9999


def test_onnx_tokenizer_counts_like_the_reference(encoder: Encoder, reference: Encoder) -> None:
    assert encoder.max_tokens == reference.max_tokens == 254
    for text in fixture_texts()[::7]:
        assert encoder.count_tokens(text) == reference.count_tokens(text)
        assert encoder.token_spans(text) == reference.token_spans(text)


def test_a_damaged_export_is_made_again(full_precision: Encoder, tmp_path: Path) -> None:
    (cached,) = [p for p in Settings().encoder_cache.glob("*.onnx") if ".int8." not in p.name]
    damaged = tmp_path / cached.name
    damaged.write_bytes(cached.read_bytes()[:4096])
    again = OnnxEncoder(PACKAGED_MODEL, tmp_path)
    assert damaged.stat().st_size > 1_000_000
    text = "The barrier will cost an estimated 84 million euros."
    assert float(full_precision.encode_query(text) @ again.encode_query(text)) >= 0.9999


def test_serving_with_onnx_never_imports_torch(tmp_path: Path) -> None:
    """The point of the ONNX path: a server process starts without torch."""
    settings = Settings(index_dir=tmp_path / "index")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from api.app import create_app\n"
        "from qa.service import QAService\n"
        "from qa.settings import Settings\n"
        f"service = QAService.open(Settings(index_dir=Path({str(settings.index_dir)!r})))\n"
        "service.ask('who won the world cup?', 3)\n"
        "create_app(service=service)\n"
        "loaded = sorted(m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules)\n"
        "print('loaded:', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded: []" in result.stdout


def test_the_default_int8_encoder_stays_close_to_the_full_model(
    encoder: Encoder, full_precision: Encoder
) -> None:
    assert isinstance(encoder, OnnxEncoder), "the default backend is ONNX Runtime"
    texts = fixture_texts()[::3]
    cosines = np.sum(encoder.encode(texts) * full_precision.encode(texts), axis=1)
    # Int8 weights move a vector by a few hundredths of cosine (the lowest on a
    # one-character text, where there is least to average); a wrong export, pooling or
    # tokenizer moves it by tenths. How the int8 model ranks is make eval's to say.
    assert cosines.min() >= 0.97 and cosines.mean() >= 0.985
