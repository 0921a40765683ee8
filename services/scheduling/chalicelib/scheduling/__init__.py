"""Scheduling service: shift types, ward rosters and the auto-rostering engine."""
