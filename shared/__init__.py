"""The shared layer: auth, tenancy, errors, OpenAPI, persistence, events, idempotency, observability.

Every service imports it; it never imports a service.
"""
