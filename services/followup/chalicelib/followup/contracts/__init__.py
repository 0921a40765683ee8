"""Follow-up's contracts."""
