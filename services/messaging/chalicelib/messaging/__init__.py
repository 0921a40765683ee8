"""Messaging: organisation online (the hospital directory) and communication online."""
