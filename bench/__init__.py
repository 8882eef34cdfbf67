"""Benchmarks: speed, scale, the page, the backends and the dated-question costs, each
measured against the real server; results go to ``docs/results/``."""
