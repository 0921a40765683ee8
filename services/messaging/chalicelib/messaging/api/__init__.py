"""Messaging's HTTP routes, one module per feature (each loaded on its first request)."""
