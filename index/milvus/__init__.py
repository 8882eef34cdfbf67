"""The Milvus backend: a server or milvus-lite's embedded file, for an archive one machine
cannot hold. ``milvus_index.MilvusIndex`` implements ``index.PassageIndex`` over the
collections ``milvus_collections`` makes and connects to.
"""
