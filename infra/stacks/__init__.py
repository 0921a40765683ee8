"""The stacks of one province: ``data`` (state and messaging plumbing) and one per service."""
