"""Push devices' request and response."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RegisterDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Literal["fcm", "apns", "apns_sandbox", "baidu"]
    token: str = Field(min_length=8, max_length=4096)


class Device(BaseModel):
    device_id: str
