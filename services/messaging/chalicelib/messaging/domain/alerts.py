"""The port DING escalation alerts through: SMS and voice calls (adapters.sns implements it)."""

from __future__ import annotations

from typing import Protocol


class AlertChannel(Protocol):
    def send_sms(self, phone: str, text: str) -> str: ...

    def call(self, phone: str, text: str) -> str: ...
