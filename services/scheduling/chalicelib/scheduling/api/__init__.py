"""Scheduling's routes, one module per feature."""
