"""The id and code patterns every approvals contract validates against."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ID = r"^[A-Za-z0-9_-]{1,64}$"
CODE = r"^[a-z][a-z0-9_-]{0,39}$"
StaffId = Annotated[str, Field(pattern=ID)]
