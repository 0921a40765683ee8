"""Approvals' contracts: requests and responses per feature, and the events it publishes (``events``)."""
