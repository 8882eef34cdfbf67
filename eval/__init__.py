"""Evaluation: question sets, the runner that asks them, and retrieval-quality metrics."""
