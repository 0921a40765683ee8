"""A chronic revisit request (慢病复诊): a patient asks (through a partner app, a link, or by phone to
the department), the request waits in the department's **pool**, one doctor **claims** it (抢单), handles it
(renews a prescription note, books a revisit, calls back) and **closes** it; a claim left unhandled past
its hold returns to the pool.

Exactly one doctor wins a claim: the claim is written only over the request as it was read — still in
the pool, at the same revision — so of concurrent claims one write lands and the others find it taken.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Conflict, Forbidden, RuleViolation

Ask = Literal["renew", "book", "question"]
RevisitState = Literal["pool", "claimed", "closed"]
REVISIT_STATES: tuple[RevisitState, ...] = ("pool", "claimed", "closed")
Resolution = Literal["renewed", "booked", "called", "declined"]
Channel = Literal["partner", "service", "staff", "link"]
ASK_WORDS = {"renew": "续方", "book": "预约复诊", "question": "咨询"}
DEFAULT_HOLD = timedelta(minutes=30)


class ClaimTaken(Conflict):
    """The request is not in the pool any more: who has it, by name."""

    def __init__(self, holder_name: str, state: RevisitState):
        if state == "closed":
            super().__init__("the revisit request is closed already")
        else:
            super().__init__(f"the revisit request was claimed by {holder_name or 'another doctor'}")
        self.holder_name = holder_name


class Revisit(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    department_id: str
    department_name: str = ""
    ask: Ask
    text: str = ""
    channel: Channel
    requested_by: str = Field(description="who asked: the partner app, the service, the member of staff")
    requested_by_name: str = ""
    state: RevisitState = "pool"
    doctor_id: str = Field("", description="the doctor who holds (or held, once closed) the claim")
    doctor_name: str = ""
    claimed_at: datetime | None = None
    claim_expires_at: datetime | None = None
    claims: int = Field(0, description="how many times it was claimed (returned claims included)")
    resolution: Resolution | None = None
    prescription_note: str = ""
    booked_on: date | None = None
    closing_note: str = ""
    closed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    @property
    def summary(self) -> str:
        """What the patient asks for, as a doctor reads it in a notification ('续方：苯磺酸氨氯地平')."""
        word = ASK_WORDS[self.ask]
        return f"{word}：{self.text}"[:120] if self.text else word

    def claim(self, doctor_id: str, doctor_name: str, now: datetime, hold: timedelta) -> Revisit:
        if self.state != "pool":
            raise ClaimTaken(self.doctor_name, self.state)
        return self.model_copy(
            update={
                "state": "claimed",
                "doctor_id": doctor_id,
                "doctor_name": doctor_name,
                "claimed_at": now,
                "claim_expires_at": now + hold,
                "claims": self.claims + 1,
                "updated_at": now,
            }
        )

    def _held_by(self, doctor_id: str) -> None:
        if self.state != "claimed":
            raise Conflict(f"the revisit request is {self.state}, not claimed")
        if self.doctor_id != doctor_id:
            raise Forbidden("only the doctor who claimed the revisit request may do this")

    def release(self, doctor_id: str, now: datetime) -> Revisit:
        """The claimant gives it back to the pool."""
        self._held_by(doctor_id)
        return self._to_pool(now)

    def _to_pool(self, now: datetime) -> Revisit:
        return self.model_copy(
            update={
                "state": "pool",
                "doctor_id": "",
                "doctor_name": "",
                "claimed_at": None,
                "claim_expires_at": None,
                "updated_at": now,
            }
        )

    def expired(self, now: datetime) -> bool:
        return self.state == "claimed" and self.claim_expires_at is not None and self.claim_expires_at <= now

    def expire(self, now: datetime) -> Revisit:
        """Its claim ran out unhandled: back to the pool (the sweep)."""
        if not self.expired(now):
            raise Conflict("the claim has not run out")
        return self._to_pool(now)

    def close(
        self,
        doctor_id: str,
        resolution: Resolution,
        now: datetime,
        prescription_note: str = "",
        booked_on: date | None = None,
        note: str = "",
    ) -> Revisit:
        """Handled: a prescription note renewed (its text), a revisit booked (its day), a call made, or
        declined — by the claimant only."""
        self._held_by(doctor_id)
        if resolution == "renewed" and not prescription_note.strip():
            raise RuleViolation("a renewal names the prescription note", "prescription_note")
        if resolution == "booked" and booked_on is None:
            raise RuleViolation("a booking names the day of the revisit", "booked_on")
        return self.model_copy(
            update={
                "state": "closed",
                "resolution": resolution,
                "prescription_note": prescription_note.strip() if resolution == "renewed" else "",
                "booked_on": booked_on if resolution == "booked" else None,
                "closing_note": note,
                "closed_at": now,
                "claim_expires_at": None,
                "updated_at": now,
            }
        )
