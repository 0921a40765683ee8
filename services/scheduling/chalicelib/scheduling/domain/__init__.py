"""Scheduling's rules, free of AWS: the roster engine (``domain.roster``)."""
