"""Benchmark cases for tools/bench.py: one module per case, each with run(args) -> rows."""
