"""Benchmarks that drive a real ``lumi serve``; run them as modules from the repository root."""
