"""Events: the thin envelope, the transactional outbox relay, and the idempotent consumer helper."""
