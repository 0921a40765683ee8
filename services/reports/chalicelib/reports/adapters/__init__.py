"""The reports service's adapters."""
