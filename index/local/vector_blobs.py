"""Vectors as the local store keeps them: each row a float32 scale, then its values in
eight or six bits. The scale gives the decoded row the length of the row itself (rounding
lengthens a vector, and unequal lengths would skew the cosines compared among sentences).

A passage vector takes 388 bytes for 384 dimensions instead of 1,536, in eight bits: its
cosines are within 0.002 of float32's, finer than the approximate search's own codes, so
they serve for the exact re-rank. Sentence vectors, six or more a passage, take six bits
(292 bytes): on every evaluation set their answers stay within 0.001 of eight bits'.
Four bits moved the marked sentence of single questions of the small sets.
"""

from __future__ import annotations

import numpy as np

_SCALE_BYTES = 4
# Levels either side of zero: -127..127 in a byte, -31..31 in six bits.
_LEVELS = {8: 127, 6: 31}
PASSAGE_BITS = 8
SENTENCE_BITS = 6


def _quantised(matrix: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row rounded to whole steps of its largest value over ``levels``, and the scale
    that gives the rounded row the norm of the row itself."""
    peak = np.abs(matrix).max(axis=1, keepdims=True)
    step = np.where(peak > 0, peak / levels, 1.0)
    values = np.clip(np.rint(matrix / step), -levels, levels)
    rounded_norm = np.linalg.norm(values, axis=1, keepdims=True)
    norm = np.linalg.norm(matrix, axis=1, keepdims=True)
    scale = np.where(rounded_norm > 0, norm / np.maximum(rounded_norm, 1e-12), 1.0)
    return values, scale.astype(np.float32)


def _packed_values(dimension: int, bits: int) -> int:
    """Bytes the values of a row take: six-bit values go four to three bytes."""
    return dimension if bits == 8 else 3 * -(-dimension // 4)


def row_width(dimension: int, bits: int = PASSAGE_BITS) -> int:
    """Bytes a stored vector takes: its scale, then its values."""
    return _SCALE_BYTES + _packed_values(dimension, bits)


def bits_of_width(width: int, dimension: int) -> int | None:
    """The bits a value of stored rows ``width`` bytes wide (None: not a width of rows of
    ``dimension`` values)."""
    return next((bits for bits in _LEVELS if row_width(dimension, bits) == width), None)


def row_dimension(width: int) -> int:
    """The dimension of eight-bit rows ``width`` bytes wide (0: not a width)."""
    return width - _SCALE_BYTES if width > _SCALE_BYTES else 0


def rows_to_bytes(vectors: np.ndarray | None, bits: int = PASSAGE_BITS) -> bytes:
    """Vectors as stored, one row after another (empty when there are none)."""
    if vectors is None or not len(vectors):
        return b""
    matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    values, scale = _quantised(matrix, _LEVELS[bits])
    if bits == 8:
        packed = values.astype(np.int8).view(np.uint8)
    else:
        # Offset to 0..62, padded to whole groups of four, each group three bytes.
        codes = (values + _LEVELS[6]).astype(np.uint32)
        pad = -matrix.shape[1] % 4
        codes = np.pad(codes, ((0, 0), (0, pad))).reshape(len(codes), -1, 4)
        word = codes[..., 0] | codes[..., 1] << 6 | codes[..., 2] << 12 | codes[..., 3] << 18
        packed = np.stack([word & 0xFF, word >> 8 & 0xFF, word >> 16], axis=-1)
        packed = packed.reshape(len(codes), -1).astype(np.uint8)
    return np.hstack([scale.view(np.uint8), packed]).tobytes()


def rows_from_bytes(joined: bytes, dimension: int, bits: int = PASSAGE_BITS) -> np.ndarray:
    """float32 rows of stored vectors, one after another in ``joined`` (the rows of
    several passages are decoded in one go)."""
    rows = np.frombuffer(joined, dtype=np.uint8)
    width = row_width(dimension, bits) if dimension and bits in _LEVELS else 0
    if not width or len(rows) % width:
        raise ValueError(f"{len(rows)} bytes are not rows of {dimension} {bits}-bit values")
    rows = rows.reshape(-1, width)
    scale = rows[:, :_SCALE_BYTES].copy().view(np.float32)
    if bits == 8:
        return rows[:, _SCALE_BYTES:].view(np.int8).astype(np.float32) * scale
    # Each byte of a group in its own contiguous array first: bit operations on the strided
    # views took four times as long, a visible part of a question at 400 a second.
    b0, b1, b2 = np.ascontiguousarray(
        rows[:, _SCALE_BYTES:].reshape(len(rows), -1, 3).transpose(2, 0, 1)
    )
    codes = np.stack([b0 & 63, b0 >> 6 | (b1 & 15) << 2, b1 >> 4 | (b2 & 3) << 4, b2 >> 2], axis=-1)
    values = codes.reshape(-1, 4 * codes.shape[1]).astype(np.float32)
    return (values[:, :dimension] - _LEVELS[6]) * scale


def as_stored(vectors: np.ndarray) -> np.ndarray:
    """Passage vectors as the store gives them back, for an index kept equal to the store."""
    values, scale = _quantised(np.asarray(vectors, dtype=np.float32), _LEVELS[PASSAGE_BITS])
    return (values.astype(np.int8).astype(np.float32) * scale).astype(np.float32)
