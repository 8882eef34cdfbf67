"""The embedded backend: a SQLite passage store (documents, passages, FTS5 for BM25, term
counts, near-copy signatures) and a FAISS vector index derived from it, in one directory.

``local_index.LocalIndex`` implements ``index.PassageIndex`` over them; ``layout`` names
the files without loading FAISS.
"""
