"""Follow-up's adapters."""
