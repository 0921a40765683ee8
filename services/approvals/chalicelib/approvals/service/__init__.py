"""Approvals' use cases, one module per feature: each change in one unit of work."""
