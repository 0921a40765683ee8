"""Follow-up's domain."""
