"""The reports service's service."""
