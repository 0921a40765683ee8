"""Marketplace: partner apps, per-hospital installs and signed event webhooks."""
