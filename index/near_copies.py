"""Near-copy signatures of documents: MinHash over word 5-grams, and LSH bands to find the
documents that may be near-copies of one without comparing it with every other.

A document's signature is 128 minimum hashes of its shingles under 128 hash functions; the
share of positions where two signatures agree estimates the Jaccard similarity of the two
shingle sets (within about ±0.09 at two standard errors). The signature is cut into 32
bands of 4: two documents share at least one band key with probability 1 - (1 - J^4)^32,
over 0.98 from J = 0.6 on, so a lookup by band keys finds their near-copies and the
signatures then confirm them.

Kept by the storage engines beside each document, written and deleted with it.
"""

from __future__ import annotations

import re
import zlib
from hashlib import blake2b

import numpy as np

SHINGLE_WORDS = 5
PERMUTATIONS = 128
BANDS = 32
ROWS_PER_BAND = PERMUTATIONS // BANDS
# The smallest prime above 2^32: a * x + b over 32-bit shingles and a, b below it fits
# in 64 bits, so numpy computes the hashes without overflow.
_PRIME = np.uint64(4_294_967_311)
_rng = np.random.default_rng(20261129)  # fixed: signatures must agree across processes
_A = _rng.integers(1, 2**32, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 2**32, size=PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+")
# Shingles hashed at once: bounds the (shingles x 128) matrix of a very long text.
_CHUNK = 8192


def _five_grams(text: str) -> list[tuple[str, ...]]:
    """The text's word 5-grams, case and punctuation ignored; a text of fewer words is one."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return [tuple(words)] if words else []
    return list(zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False))  # to the shortest


def shingles(text: str) -> frozenset[int]:
    """The text's word 5-grams as 32-bit hashes, the same in every process: for storing."""
    return frozenset(map(zlib.crc32, map(str.encode, map(" ".join, _five_grams(text)))))


def process_shingles(text: str) -> frozenset[int]:
    """The same word 5-grams as ``shingles``, each hashed as a tuple of its words, with
    no string joined (faster, for the passages of every answer). Python's string hash
    differs between processes: these compare texts in one process and are never stored."""
    return frozenset(map(hash, _five_grams(text)))


def signature(text: str) -> np.ndarray:
    """The text's MinHash signature: PERMUTATIONS unsigned 32-bit values."""
    hashed = np.fromiter(shingles(text), dtype=np.uint64)
    lowest = np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(hashed), _CHUNK):
        chunk = hashed[start : start + _CHUNK, None]
        lowest = np.minimum(lowest, ((chunk * _A + _B) % _PRIME).min(axis=0))
    # Values reach _PRIME - 1, a hair over 32 bits: folding them costs nothing measurable.
    return (lowest & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def band_keys(signature_of: np.ndarray) -> list[int]:
    """One signed 64-bit key a band, the band's number included: documents sharing a key
    agree on all four values of that band."""
    rows = np.asarray(signature_of, dtype="<u4").reshape(BANDS, ROWS_PER_BAND)
    return [
        int.from_bytes(
            blake2b(band.to_bytes(2, "little") + row.tobytes(), digest_size=8).digest(),
            "little",
            signed=True,
        )
        for band, row in enumerate(rows)
    ]


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The estimated Jaccard similarity of the two documents' shingle sets."""
    return float(np.count_nonzero(first == second)) / PERMUTATIONS


def to_bytes(signature_of: np.ndarray) -> bytes:
    return np.asarray(signature_of, dtype="<u4").tobytes()


def from_bytes(stored: bytes) -> np.ndarray:
    values = np.frombuffer(stored, dtype="<u4")
    if len(values) != PERMUTATIONS:
        raise ValueError(f"a signature holds {PERMUTATIONS} values, not {len(values)}")
    return values.astype(np.uint32)


def matches(
    wanted: dict[str, np.ndarray], candidates: dict[str, np.ndarray], threshold: float
) -> dict[str, list[tuple[str, float]]]:
    """For each wanted document, the candidates (other than itself) whose similarity is
    ``threshold`` or more, most similar first, then by id."""
    found: dict[str, list[tuple[str, float]]] = {}
    for doc_id, wanted_signature in wanted.items():
        similar = [
            (other, similarity(wanted_signature, other_signature))
            for other, other_signature in candidates.items()
            if other != doc_id
        ]
        found[doc_id] = sorted(
            ((other, score) for other, score in similar if score >= threshold),
            key=lambda pair: (-pair[1], pair[0]),
        )
    return found
