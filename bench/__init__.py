"""Benchmarks: every hot path measured against its floor, in the same run, at realistic volumes.

``python -m bench`` (``make bench``) generates the data into a database of its own, runs B1–B5 and
writes ``docs/performance.md``. ``python -m bench.generate`` only generates. See
docs/performance.md.
"""
