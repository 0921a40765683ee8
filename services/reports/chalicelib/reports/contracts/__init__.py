"""The reports service's contracts."""
