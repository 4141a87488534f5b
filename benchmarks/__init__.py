"""Measured comparisons, run on demand: ``python -m benchmarks NAME`` (see docs/benchmarks.md)."""
