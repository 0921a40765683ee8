"""Messaging's service-layer tests, on in-memory fakes of its ports."""
