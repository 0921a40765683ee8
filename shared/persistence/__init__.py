"""Persistence: table definitions (the single source for local provisioning and CDK), models, unit of work."""
