"""qa.storage: the one place that opens an index and checks it before the model loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import LocalIndex, ModelMismatchError
from qa.settings import Settings
from qa.storage import has_index, refuse_another_model


def test_an_index_of_another_model_is_refused_before_loading(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", model="model-b")
    assert not has_index(settings)
    refuse_another_model(settings)  # nothing there yet: nothing to refuse
    LocalIndex(settings.index_dir, "model-a", 4).close()
    assert has_index(settings)
    with pytest.raises(ModelMismatchError, match=r"built with the model 'model-a'.*'model-b'"):
        refuse_another_model(settings)
    refuse_another_model(settings.model_copy(update={"model": "model-a"}))
