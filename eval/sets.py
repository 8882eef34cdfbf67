"""Question sets in three formats, detected from the path.

- The project's JSONL: ``{"id", "question", "evidence": [...], "answerable", "category"}`` a
  line (``category`` optional), asked against an existing index.
- SQuAD v1.1 JSON: each article becomes a document (paragraphs joined by blank lines); a
  question's evidence is the sentence of its paragraph that holds the first answer.
- A BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels/test.tsv``): relevance is by
  document, and passages are deduplicated to documents when ranking.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from qa.documents import Document, is_valid_doc_id
from qa.sentences import split_sentences
from qa.timing import parse_as_of

# The public half of the SQuAD v1.1 dev set, shipped with the project (see its README).
SQUAD_PUBLIC = (
    Path(__file__).resolve().parent / "sets" / "squad-public" / "dev-v1.1-even-articles.json.gz"
)

SetKind = Literal["jsonl", "squad", "beir"]


class SetError(ValueError):
    """A question set cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    evidence: tuple[str, ...] = ()
    answerable: bool = True
    # What kind of unanswerable question this is ("off-topic", "near-topic"): abstention
    # is reported for each kind.
    category: str = ""
    # BEIR: graded relevance of whole documents, by doc_id.
    relevant_documents: dict[str, int] = field(default_factory=dict)
    # The moment it is asked as of (ISO date or date-time); empty: now.
    as_of: str = ""


@dataclass
class QuestionSet:
    name: str
    kind: SetKind
    questions: list[Question]
    # The corpus to ingest first (SQuAD, BEIR); empty when the set is asked of an index.
    documents: list[Document] = field(default_factory=list)


def load_set(path: Path) -> QuestionSet:
    if path.is_dir():
        if (path / "corpus.jsonl").is_file():
            return load_beir(path)
        raise SetError(f"{path}: a directory must be a BEIR folder with corpus.jsonl")
    if not path.is_file():
        raise SetError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        return load_jsonl(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, EOFError) as error:
        raise SetError(f"{path}: not readable JSON: {error}") from error
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return load_squad(path, data)
    raise SetError(f"{path}: expected the project's JSONL, SQuAD v1.1 JSON or a BEIR folder")


def load_jsonl(path: Path) -> QuestionSet:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question = Question(
                id=str(item.get("id", f"line-{number}")),
                question=str(item["question"]),
                evidence=tuple(str(e) for e in item.get("evidence", [])),
                answerable=bool(item.get("answerable", True)),
                category=str(item.get("category", "")),
                as_of=str(item.get("as_of") or ""),
            )
            if question.as_of:
                parse_as_of(question.as_of)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise SetError(f"{path}:{number}: not a question object: {error}") from error
        if question.answerable and not question.evidence:
            raise SetError(f"{path}:{number}: an answerable question needs evidence")
        questions.append(question)
    return QuestionSet(path.stem, "jsonl", questions)


def load_squad(path: Path, data: dict) -> QuestionSet:
    documents, questions = [], []
    used_ids: set[str] = set()
    for article in data["data"]:
        title = str(article.get("title", "")).replace("_", " ")
        paragraphs = [str(p["context"]) for p in article["paragraphs"]]
        doc_id = _unique_id(safe_doc_id(article.get("title", "article")), used_ids)
        documents.append(
            Document(doc_id=doc_id, title=title, text="\n\n".join(paragraphs), source="SQuAD")
        )
        for paragraph in article["paragraphs"]:
            context = str(paragraph["context"])
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                evidence = answer_sentence(
                    context, int(answer["answer_start"]), len(answer["text"])
                )
                questions.append(
                    Question(id=str(qa["id"]), question=qa["question"], evidence=(evidence,))
                )
    return QuestionSet(
        path.name.removesuffix(".gz").removesuffix(".json"), "squad", questions, documents
    )


def answer_sentence(context: str, start: int, length: int) -> str:
    """The sentence (or run of sentences) of context that holds [start, start + length)."""
    end = start + max(length, 1)
    spans = split_sentences(context)
    covering = [(a, b) for a, b in spans if a < end and start < b]
    if not covering:
        return context.strip()
    return context[covering[0][0] : covering[-1][1]]


def load_beir(path: Path) -> QuestionSet:
    qrels_path = path / "qrels" / "test.tsv"
    if not (path / "queries.jsonl").is_file() or not qrels_path.is_file():
        raise SetError(f"{path}: a BEIR folder needs queries.jsonl and qrels/test.tsv")
    used_ids: set[str] = set()
    id_map: dict[str, str] = {}
    documents = []
    for line in (path / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        text = str(item.get("text", ""))
        if not text.strip():
            continue
        doc_id = _unique_id(safe_doc_id(str(item["_id"])), used_ids)
        id_map[str(item["_id"])] = doc_id
        title = str(item.get("title", "")) or text.strip().splitlines()[0][:200]
        documents.append(Document(doc_id=doc_id, title=title, text=text, source="BEIR"))
    relevance: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header, or a malformed row
            query_id, corpus_id, score = row[0], row[1], int(row[2])
            if score > 0 and corpus_id in id_map:
                relevance.setdefault(query_id, {})[id_map[corpus_id]] = score
    questions = []
    for line in (path / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        query_id = str(item["_id"])
        if query_id in relevance:
            questions.append(
                Question(
                    id=query_id, question=str(item["text"]), relevant_documents=relevance[query_id]
                )
            )
    return QuestionSet(path.name, "beir", questions, documents)


def safe_doc_id(raw: str) -> str:
    """raw when it is a valid doc_id, else a readable valid one with a short hash."""
    if is_valid_doc_id(raw):
        return raw
    cleaned = re.sub(r"[^A-Za-z0-9._:-]+", "-", raw).strip("-._:")[:100] or "doc"
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}"


def _unique_id(candidate: str, used: set[str]) -> str:
    doc_id, number = candidate, 1
    while doc_id in used:
        number += 1
        doc_id = f"{candidate}-{number}"
    used.add(doc_id)
    return doc_id
