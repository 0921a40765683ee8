"""Follow-up's service."""
