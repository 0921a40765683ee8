"""Messaging's pure rules (no AWS, no framework): the directory, consortia, approval notices, staff import."""
