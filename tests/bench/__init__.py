"""Smoke test of the benchmark (tiny N)."""
