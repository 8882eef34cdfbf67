"""The README's settings table and commands say what the code does."""

from __future__ import annotations

import json
import re

from qa.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_default(value: object) -> str:
    """How the settings table writes a default: unset, or the value as the environment
    variable would spell it, in backticks."""
    if value is None:
        return "unset"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def test_every_setting_is_in_the_readme_with_its_default() -> None:
    for name, field in Settings.model_fields.items():
        variable = f"QA_{name.upper()}"
        row = next(
            (line for line in README.splitlines() if line.startswith(f"| `{variable}` |")), None
        )
        assert row is not None, f"{variable} is missing from the settings table"
        cell = row.split(" | ")[1]
        expected = readme_default(field.default)
        # The default exactly, followed at most by a note in brackets.
        assert cell == expected or cell.startswith(f"{expected} ("), f"{variable}: {cell!r}"


def test_the_defaults_check_tells_a_default_apart_from_its_digits() -> None:
    assert readme_default(5) == "`5`" and readme_default("") == '`""`'
    assert readme_default(None) == "unset" and readme_default(["a"]) == '`["a"]`'


def test_the_readme_opens_with_the_two_commands() -> None:
    head = README[: README.index("## Ingesting")]
    assert "make run" in head and "make test" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_is_read_in_minutes() -> None:
    assert len(README.splitlines()) <= 300


def test_the_readme_holds_no_measured_figure() -> None:
    # Measured figures drift when copied by hand: they live in the generated benchmarks doc.
    measured = re.compile(r"\d(?:[\d.,]*)\s*(?:ms|requests/s|req/s|GB|MB|kB|×)(?!\w)|\d\.\d+x\b")
    lines = [line for line in README.splitlines() if measured.search(line)]
    assert lines == []


def test_every_relative_link_of_the_docs_leads_somewhere() -> None:
    pages = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *(ROOT / "docs").glob("*.md")]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if (
                not target.startswith(("http://", "https://"))
                and not (page.parent / target).exists()
            ):
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []
