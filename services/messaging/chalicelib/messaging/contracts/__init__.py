"""Messaging's contracts: each feature's requests and responses, and the events it publishes."""
