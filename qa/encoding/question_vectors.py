"""Question vectors kept by text: a question asked again (the same words, as many readers
ask of the day's story) skips the model's forward pass.

Least recently asked first out; a vector depends on the text and the model only, so it
never goes stale while the service runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from qa.encoding.encoder import Encoder


class QuestionVectors:
    def __init__(self, encoder: Encoder, size: int) -> None:
        self._encoder = encoder
        self._size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, busy: bool = False) -> list[np.ndarray]:
        """A vector a text, in order: the kept ones, and the others encoded in one go."""
        with self._lock:
            found = {text: self._kept[text] for text in texts if text in self._kept}
            for text in found:
                self._kept.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            encoded = self._encoder.encode_questions(missing, busy=busy)
            fresh = {
                text: np.array(vector, dtype=np.float32)
                for text, vector in zip(missing, encoded, strict=True)
            }
            found.update(fresh)
            if self._size:
                with self._lock:
                    self._kept.update(fresh)
                    while len(self._kept) > self._size:
                        self._kept.popitem(last=False)
        # Copies: an answer may not change the vector another answer reads.
        return [found[text].copy() for text in texts]
