"""Whether a passage answers a question: it contains one of the question's evidence strings.

Both sides are normalised first (Unicode NFKC, curly quotes and dashes folded to ASCII, runs
of white space collapsed, case folded), so a set does not depend on how articles are split
or typeset.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_FOLDS = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_FOLDS)
    return _SPACE.sub(" ", text).strip().casefold()


def contains_evidence(passage: str, evidence: Iterable[str]) -> bool:
    return bool(evidence_found(passage, evidence))


def evidence_found(passage: str, evidence: Iterable[str]) -> set[int]:
    """Positions of the evidence strings the passage contains."""
    normalised = normalise(passage)
    return {i for i, item in enumerate(evidence) if item.strip() and normalise(item) in normalised}
