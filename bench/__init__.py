"""Benchmarks of scribe: `make bench` (python -m bench.run)."""
