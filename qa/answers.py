"""What a question gets back: ranked passages with highlights and citations.

These are the response bodies of the HTTP API as they are (``POST /ask``), and what
``qa ask --json`` prints: one type from the service to the client.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Highlight(BaseModel):
    start: int
    end: int


class Citation(BaseModel):
    doc_id: str
    title: str
    source: str
    author: str = Field("", description="The byline, when the article gave one.")
    url: str
    published: str
    passage_id: str
    start: int = Field(description="Offset of the passage in the document's text.")
    end: int


class AnsweredPassage(BaseModel):
    rank: int
    score: float
    text: str
    highlight: Highlight = Field(description="The answering sentence, as offsets into text.")
    context: Highlight = Field(
        description="The answering sentence with the sentence before and after it, as "
        "offsets into text: what to show when the whole passage is too long."
    )
    citation: Citation
    also_in: list[Citation] = Field(
        default_factory=list,
        description="Where else the same passage ran: its copies in other articles "
        "(syndicated copies), folded into this one. Those the answer retrieved come first, "
        "best match first, then those in near-copies of this article that it did not.",
    )

    @property
    def highlighted_sentence(self) -> str:
        return self.text[self.highlight.start : self.highlight.end]


class Answer(BaseModel):
    question: str
    answerable: bool = Field(description="False when nothing in the index is a confident match.")
    passages: list[AnsweredPassage]
    took_ms: float = Field(description="Time spent answering inside the server.")

    def to_json(self, *, indent: int | None = None) -> str:
        return self.model_dump_json(indent=indent)


def passage_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:p{ordinal}"
