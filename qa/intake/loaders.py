"""Reading articles from files: .txt and .md (front matter optional), .json and .jsonl
(each record a document's fields, as ``POST /documents`` takes them: its text or a page's
html), and news pages (.html, .htm: the article's main text and the page's metadata).

A file that cannot be read is reported with its path and skipped; the rest still load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.documents import Document, DocumentError, document_from_fields
from qa.intake.submissions import SubmissionError, document_from_submission
from qa.intake.web_pages import PageError, document_from_html

TEXT_SUFFIXES = {".txt", ".md"}
JSON_SUFFIXES = {".json", ".jsonl"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | HTML_SUFFIXES

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def find_files(paths: Iterable[Path], extra_suffixes: Iterable[str] = ()) -> Iterator[Path]:
    """The article files among paths (and those of ``extra_suffixes``), directories searched
    recursively, hidden ones skipped."""
    wanted = SUFFIXES | set(extra_suffixes)
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if (
                    child.is_file()
                    and child.suffix.lower() in wanted
                    and not any(part.startswith(".") for part in relative)
                ):
                    yield child
        else:
            yield path


def load_paths(paths: Iterable[Path]) -> LoadResult:
    result = LoadResult()
    for path in find_files(paths):
        loaded = load_file(path)
        result.documents.extend(loaded.documents)
        result.errors.extend(loaded.errors)
    return result


def load_file(path: Path) -> LoadResult:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        return LoadResult(errors=[f"{path}: not an article file (expected {_suffix_list()})"])
    if suffix in HTML_SUFFIXES:
        try:
            return LoadResult(documents=[document_from_html(path.read_bytes())])
        except OSError as error:
            return LoadResult(errors=[f"{path}: cannot be read: {error}"])
        except PageError as error:
            return LoadResult(errors=[f"{path}: {error}"])
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return LoadResult(errors=[f"{path}: cannot be read as UTF-8 text: {error}"])
    try:
        if suffix in TEXT_SUFFIXES:
            return LoadResult(documents=[parse_text_article(content, markdown=suffix == ".md")])
        if suffix == ".jsonl":
            return _parse_json_lines(path, content)
        return LoadResult(documents=_parse_json_documents(json.loads(content)))
    except (DocumentError, ValueError) as error:
        return LoadResult(errors=[f"{path}: {error}"])


def _suffix_list() -> str:
    return ", ".join(sorted(SUFFIXES))


def parse_text_article(content: str, *, markdown: bool = False) -> Document:
    """A text article: front matter fields if present, else its first line is the title."""
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(content)
    if match:
        fields = _parse_front_matter(match.group(1))
        body = content[match.end() :]
    else:
        first_line, _, body = content.lstrip().partition("\n")
        title = first_line.strip()
        if markdown:
            title = title.lstrip("#").strip()
        fields["title"] = title
    fields["text"] = body.strip()
    return document_from_fields(fields)


def _parse_front_matter(block: str) -> dict[str, Any]:
    """``key: value`` lines; quotes around a value are removed, empty values stay empty."""
    fields: dict[str, Any] = {}
    for number, line in enumerate(block.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _FRONT_MATTER_LINE.match(line)
        if not match:
            raise DocumentError(f"front matter line {number} is not 'key: value': {line!r}")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        fields[key] = value
    return fields


def _parse_json_documents(data: Any) -> list[Document]:
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        data = data["documents"]
    if isinstance(data, dict):
        return [document_from_submission(data)]
    if isinstance(data, list):
        documents = []
        for position, item in enumerate(data):
            if not isinstance(item, dict):
                raise DocumentError(f"item {position} is not a JSON object")
            try:
                documents.append(document_from_submission(item))
            except SubmissionError as error:
                raise DocumentError(f"item {position}: {error}") from None
        return documents
    raise DocumentError("expected a JSON object or a list of objects")


def _parse_json_lines(path: Path, content: str) -> LoadResult:
    """One document a line; a bad line is reported and skipped, the others load."""
    result = LoadResult()
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise DocumentError("not a JSON object")
            result.documents.append(document_from_submission(item))
        except (DocumentError, ValueError) as error:
            result.errors.append(f"{path}:{number}: {error}")
    return result
