"""Evaluation: question sets, the runner that asks them, retrieval-quality metrics and
reports, and the study of how well copies of one story fold."""
