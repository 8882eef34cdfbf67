"""The README's settings table and commands say what the code does."""

from __future__ import annotations

import json

from qa.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_with_its_default() -> None:
    for name, field in Settings.model_fields.items():
        row = next(
            (line for line in README.splitlines() if line.startswith(f"| `QA_{name.upper()}` |")),
            None,
        )
        assert row is not None, f"QA_{name.upper()} is missing from the settings table"
        if field.default is None:
            default = "unset"
        elif isinstance(field.default, list):
            default = json.dumps(field.default)
        else:
            default = str(field.default)
        assert f"`{default}`" in row or default in row, f"QA_{name.upper()}: default {default}"


def test_the_readme_opens_with_the_two_commands() -> None:
    head = README[: README.index("## Ingesting")]
    assert "make run" in head and "make test" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
