"""A local index's files and when its vector index turns approximate; light to import,
so settings and callers that only look at a directory load no FAISS."""

STORE_NAME = "passages.sqlite3"
VECTOR_NAME = "vectors.faiss"
# Passages from which the vector index is HNSW: below, exact search still takes a few
# milliseconds at most; above, it grows with the index while HNSW's stays under one.
HNSW_FROM = 200_000
