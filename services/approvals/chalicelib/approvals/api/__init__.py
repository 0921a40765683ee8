"""Approvals' HTTP routes, one module per feature (each imported on its first request: see ``shared.app``)."""
