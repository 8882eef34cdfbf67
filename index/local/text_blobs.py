"""Article text as the local store keeps it: each passage's text compressed on its own, and
an article rebuilt from its passages and the few characters between them.

A passage is read far more often than its article, so the text lives in the passages: one
passage is decompressed without its neighbours (a few microseconds). Compression is zstd
with a dictionary trained on the store's own first passages, which more than doubles what
a short passage alone compresses to. A frame names its dictionary, so a passage written
before the dictionary reads back as well as one after.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Sequence

import zstandard

# zstd level: 9 compresses a passage in about 50 µs (ingest spends 85 ms embedding it) and
# reads it back as fast as a lower level.
LEVEL = 9
# Bytes of the trained dictionary: more buys little for passages of about 1,000 characters.
DICTIONARY_BYTES = 32_768
# A store trains its dictionary once it holds this many passages, on those passages.
DICTIONARY_FROM = 1_000

# (offset, text) of the characters of an article that no passage holds.
Gap = tuple[int, str]


class TextCorrupt(ValueError):
    """A stored text that cannot be read back; its message follows "its text"."""


class UnknownDictionary(TextCorrupt):
    """A text compressed with a dictionary this reader was not given (another process may
    have trained it since)."""


class TextCodec:
    """Compresses with the store's dictionary (none yet: plain zstd); decompresses any
    frame whose dictionary it was given. Safe to share between threads: zstandard's own
    (de)compressors are not, and two threads in one corrupt each other's output."""

    def __init__(self, dictionaries: Sequence[bytes] = ()) -> None:
        loaded = [zstandard.ZstdCompressionDict(data) for data in dictionaries]
        self._decompressors = {0: zstandard.ZstdDecompressor()}
        for dictionary in loaded:
            self._decompressors[dictionary.dict_id()] = zstandard.ZstdDecompressor(
                dict_data=dictionary
            )
        newest = loaded[-1] if loaded else None
        self.dictionary_id = newest.dict_id() if newest is not None else 0
        self._compressor = zstandard.ZstdCompressor(
            level=LEVEL, dict_data=newest, write_checksum=False, write_content_size=True
        )
        self._compressing = threading.Lock()
        self._decompressing = threading.Lock()

    def compress(self, text: str) -> bytes:
        encoded = text.encode("utf-8")
        with self._compressing:
            return self._compressor.compress(encoded)

    def decompress(self, blob: bytes) -> str:
        try:
            dictionary_id = zstandard.get_frame_parameters(blob).dict_id
            decompressor = self._decompressors.get(dictionary_id)
            if decompressor is None:
                raise UnknownDictionary(f"was compressed with unknown dictionary {dictionary_id}")
            with self._decompressing:
                decompressed = decompressor.decompress(blob)
            return decompressed.decode("utf-8")
        except (zstandard.ZstdError, UnicodeDecodeError, TypeError) as error:
            raise TextCorrupt(f"cannot be decompressed ({error})") from error


def train_dictionary(texts: Sequence[str]) -> bytes:
    """A zstd dictionary for texts like these."""
    samples: list[bytes | bytearray | memoryview] = [text.encode("utf-8") for text in texts if text]
    return bytes(zstandard.train_dictionary(DICTIONARY_BYTES, samples).as_bytes())


def text_checksum(text: str) -> int:
    """CRC-32 of an article's text, kept to tell that its rebuilt text is the one stored."""
    return zlib.crc32(text.encode("utf-8"))


def gaps_between(text: str, spans: Sequence[tuple[int, int]]) -> list[Gap]:
    """The runs of ``text`` that none of the spans covers (usually the white space between
    passages)."""
    gaps: list[Gap] = []
    covered_to = 0
    for start, end in sorted(spans):
        if start > covered_to:
            gaps.append((covered_to, text[covered_to:start]))
        covered_to = max(covered_to, end)
    if covered_to < len(text):
        gaps.append((covered_to, text[covered_to:]))
    return gaps


def gaps_to_json(gaps: Sequence[Gap]) -> str:
    return json.dumps([[offset, text] for offset, text in gaps], ensure_ascii=False)


def gaps_from_json(stored: str) -> list[Gap]:
    try:
        return [(int(offset), str(text)) for offset, text in json.loads(stored)]
    except (ValueError, TypeError) as error:
        raise TextCorrupt(f"cannot be rebuilt: its gaps are not readable ({error})") from error


def join_text(pieces: Sequence[tuple[int, str]]) -> str:
    """An article's text from its passages and gaps, each (offset, text). Overlapping
    passages must agree where they overlap, and together they must leave no hole."""
    text = ""
    for offset, piece in sorted(pieces, key=lambda item: item[0]):
        if offset > len(text):
            raise TextCorrupt(f"cannot be rebuilt: nothing holds characters {len(text)}-{offset}")
        shared = text[offset : offset + len(piece)]
        if piece[: len(shared)] != shared:
            raise TextCorrupt(f"cannot be rebuilt: two passages differ after character {offset}")
        text += piece[len(shared) :]
    return text
