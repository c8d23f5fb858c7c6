"""Benchmarks of lpgd_go against its peers; entry point: ``benchmarks/run.py``."""
