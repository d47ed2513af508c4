"""Benchmark harness: a generated organisation at three scales and timed cases (see bench/README.md)."""
