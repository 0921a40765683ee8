"""Approvals' adapters: the DynamoDB items and queries, and the directory route resolution reads."""
