"""Scheduling's request, response and event models, one module per feature."""
