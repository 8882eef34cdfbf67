"""What a question gets back: ranked passages with highlights and citations.

These are the response bodies of the HTTP API as they are (``POST /ask``), and what
``qa ask --json`` prints: one type from the service to the client.
"""

from __future__ import annotations

from typing import Literal

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


class DateMeant(BaseModel):
    """A relative date in the highlighted sentence ("Thursday", "last week"), resolved
    against the article's date: the days it means."""

    start: int = Field(description="Offset of the words in the passage's text.")
    end: int
    first: str = Field(description="ISO date of its first day.")
    last: str = Field(description="ISO date of its last day (the first, for one day).")


class PeriodOut(BaseModel):
    """The period a question's words name, resolved against as_of: start and end
    inclusive, and the words it was read from."""

    start: str = Field(description="ISO date.")
    end: str = Field(description="ISO date.")
    phrase: str


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
    in_period: bool | None = Field(
        None,
        description="Whether the article was published in the question's period; null "
        "when the question names none or the article is undated. Passages outside it "
        "follow those inside when the period holds too few.",
    )
    dates: list[DateMeant] = Field(
        default_factory=list,
        description="The relative dates of the highlighted sentence, resolved against the "
        "article's date.",
    )

    @property
    def highlighted_sentence(self) -> str:
        return self.text[self.highlight.start : self.highlight.end]


class Answer(BaseModel):
    question: str
    answerable: bool = Field(description="False when nothing in the index is a confident match.")
    as_of: str = Field(
        "", description="The moment answered as of (ISO date-time): nothing published later."
    )
    period: PeriodOut | None = Field(
        None, description="The period the question names, or null when it names none."
    )
    order: Literal["relevance", "date"] = Field(
        "relevance", description="relevance: best first; date: the best, oldest first."
    )
    passages: list[AnsweredPassage]
    took_ms: float = Field(description="Time spent answering inside the server.")

    def to_json(self, *, indent: int | None = None) -> str:
        return self.model_dump_json(indent=indent)


def passage_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:p{ordinal}"
