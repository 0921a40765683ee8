"""Scheduling's use cases, one module per feature."""
