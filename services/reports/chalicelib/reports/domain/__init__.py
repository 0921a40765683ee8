"""The reports service's domain."""
