"""Passage texts as the store keeps them, read and written by several threads at once (a
server's search thread reads while its writer thread stores)."""

from __future__ import annotations

import threading

from index.local.text_blobs import TextCodec, train_dictionary


def test_one_codec_serves_threads_reading_and_writing_at_once() -> None:
    texts = [
        f"Passage {n} says the ferry sails at dawn, and the council met about the barrier. " * 6
        for n in range(1200)
    ]
    codec = TextCodec([train_dictionary(texts[:1000])])
    blobs = [codec.compress(text) for text in texts]
    wrong: list[str] = []

    def work(first: int) -> None:
        for _ in range(5):
            for n in range(first, len(texts), 2):
                if codec.decompress(blobs[n]) != texts[n]:
                    wrong.append(f"passage {n} read back otherwise")
                codec.compress(texts[n])

    threads = [threading.Thread(target=work, args=(first,)) for first in (0, 1, 0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert wrong == [] and not any(thread.is_alive() for thread in threads)
