"""Scheduling's adapters: the only code that touches DynamoDB."""
