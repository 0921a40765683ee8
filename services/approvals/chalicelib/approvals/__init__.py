"""Approvals: collaboration online — approval flows and document circulation."""
