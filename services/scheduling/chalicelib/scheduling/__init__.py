"""Scheduling: ward rosters, coverage, leave and the auto-rostering engine (``roster``)."""
