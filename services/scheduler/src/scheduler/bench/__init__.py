"""Benchmark tooling: realistic instance generator and the public NRP benchmark adapter."""
