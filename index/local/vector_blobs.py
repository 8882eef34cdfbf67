"""Vectors as the local store keeps them: eight bits a value, and each row a float32 scale
that gives the decoded row the length of the row itself (rounding lengthens a vector, and
unequal lengths would skew the cosines compared among sentences).

A passage vector takes 388 bytes for 384 dimensions instead of 1,536: its cosines are
within 0.002 of float32's, finer than the approximate search's own codes, so they serve
for the exact re-rank. Sentence vectors take as much each; four bits a value would halve
them, but moved the marked sentence and the abstention of single questions of the small
sets (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SCALE_BYTES = 4
# Eight-bit values -127..127.
_BYTE_LEVELS = 127


def _quantised(matrix: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row rounded to whole steps of its largest value over ``levels``, and the scale
    that gives the rounded row the norm of the row itself: rounding lengthens a vector,
    and an unequal length would skew the cosines compared among sentences."""
    peak = np.abs(matrix).max(axis=1, keepdims=True)
    step = np.where(peak > 0, peak / levels, 1.0)
    values = np.clip(np.rint(matrix / step), -levels, levels)
    rounded_norm = np.linalg.norm(values, axis=1, keepdims=True)
    norm = np.linalg.norm(matrix, axis=1, keepdims=True)
    scale = np.where(rounded_norm > 0, norm / np.maximum(rounded_norm, 1e-12), 1.0)
    return values, scale.astype(np.float32)


def passage_vector_bytes(vector: np.ndarray) -> bytes:
    row = np.asarray(vector, dtype=np.float32).reshape(1, -1)
    values, scale = _quantised(row, _BYTE_LEVELS)
    return scale.tobytes() + values.astype(np.int8).tobytes()


def passage_vectors(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    """Stored passage vectors as float32 rows."""
    rows = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), -1)
    if rows.shape[1] != passage_vector_width(dimension):
        raise ValueError(f"passage vectors of {rows.shape[1]} bytes, not of {dimension} values")
    scale = rows[:, :_SCALE_BYTES].copy().view(np.float32)
    return rows[:, _SCALE_BYTES:].view(np.int8).astype(np.float32) * scale


def as_stored(vectors: np.ndarray) -> np.ndarray:
    """Passage vectors as the store gives them back, for an index kept equal to the store."""
    matrix = np.asarray(vectors, dtype=np.float32)
    blobs = [passage_vector_bytes(row) for row in matrix]
    return passage_vectors(blobs, matrix.shape[1])


def passage_vector_width(dimension: int) -> int:
    return _SCALE_BYTES + dimension


def passage_dimension(width: int) -> int:
    return width - _SCALE_BYTES


def sentence_width(dimension: int) -> int:
    """Bytes a stored sentence vector takes: its scale, then a byte a value."""
    return _SCALE_BYTES + dimension


def sentence_dimension(width: int) -> int:
    """The dimension of stored sentence vectors ``width`` bytes a row (0: not a width)."""
    return width - _SCALE_BYTES if width > _SCALE_BYTES else 0


def sentence_vector_bytes(vectors: np.ndarray | None) -> bytes:
    """Sentence vectors as stored, a row each (empty when there are none)."""
    if vectors is None or not len(vectors):
        return b""
    matrix = np.asarray(vectors, dtype=np.float32)
    values, scale = _quantised(matrix, _BYTE_LEVELS)
    return np.hstack([scale.view(np.uint8), values.astype(np.int8).view(np.uint8)]).tobytes()


def sentence_vectors(joined: bytes, dimension: int) -> np.ndarray:
    """float32 rows of stored sentence vectors, one after another in ``joined`` (the rows
    of several passages are decoded in one go)."""
    rows = np.frombuffer(joined, dtype=np.uint8).reshape(-1, sentence_width(dimension))
    scale = rows[:, :_SCALE_BYTES].copy().view(np.float32)
    return rows[:, _SCALE_BYTES:].view(np.int8).astype(np.float32) * scale
