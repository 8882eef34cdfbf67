"""What comes in: files, article pages, feeds and a client's fields, turned into documents.
Fetching is polite and bounded; a page's article and metadata are read with trafilatura.
"""
