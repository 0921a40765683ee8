"""Follow-up's api."""
