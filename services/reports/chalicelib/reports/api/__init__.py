"""The reports service's api."""
