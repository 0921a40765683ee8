"""Messaging's use cases, one module per feature: each opens its unit of work, calls domain and adapters."""
