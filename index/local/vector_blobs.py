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

import numpy as np

_SCALE_BYTES = 4
# Eight-bit values -127..127.
_BYTE_LEVELS = 127


def _quantised(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row rounded to whole steps of its largest value over 127, and the scale that
    gives the rounded row the norm of the row itself."""
    peak = np.abs(matrix).max(axis=1, keepdims=True)
    step = np.where(peak > 0, peak / _BYTE_LEVELS, 1.0)
    values = np.clip(np.rint(matrix / step), -_BYTE_LEVELS, _BYTE_LEVELS)
    rounded_norm = np.linalg.norm(values, axis=1, keepdims=True)
    norm = np.linalg.norm(matrix, axis=1, keepdims=True)
    scale = np.where(rounded_norm > 0, norm / np.maximum(rounded_norm, 1e-12), 1.0)
    return values, scale.astype(np.float32)


def row_width(dimension: int) -> int:
    """Bytes a stored vector takes: its scale, then a byte a value."""
    return _SCALE_BYTES + dimension


def row_dimension(width: int) -> int:
    """The dimension of stored vectors ``width`` bytes a row (0: not a width)."""
    return width - _SCALE_BYTES if width > _SCALE_BYTES else 0


def rows_to_bytes(vectors: np.ndarray | None) -> bytes:
    """Vectors as stored, one row after another (empty when there are none)."""
    if vectors is None or not len(vectors):
        return b""
    values, scale = _quantised(np.atleast_2d(np.asarray(vectors, dtype=np.float32)))
    return np.hstack([scale.view(np.uint8), values.astype(np.int8).view(np.uint8)]).tobytes()


def rows_from_bytes(joined: bytes, dimension: int) -> np.ndarray:
    """float32 rows of stored vectors, one after another in ``joined`` (the rows of
    several passages are decoded in one go)."""
    rows = np.frombuffer(joined, dtype=np.uint8)
    if not dimension or len(rows) % row_width(dimension):
        raise ValueError(f"{len(rows)} bytes are not rows of {dimension} values")
    rows = rows.reshape(-1, row_width(dimension))
    scale = rows[:, :_SCALE_BYTES].copy().view(np.float32)
    return rows[:, _SCALE_BYTES:].view(np.int8).astype(np.float32) * scale


def as_stored(vectors: np.ndarray) -> np.ndarray:
    """Passage vectors as the store gives them back, for an index kept equal to the store."""
    values, scale = _quantised(np.asarray(vectors, dtype=np.float32))
    return (values.astype(np.int8).astype(np.float32) * scale).astype(np.float32)
