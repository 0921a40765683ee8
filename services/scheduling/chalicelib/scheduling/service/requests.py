"""Nurses' requests for a roster period: file, list, withdraw (the rules: ``domain/requests.py``).

A nurse of the period files her own while it is a draft and its request deadline has not passed; its
rosterers see everyone's and may record one for a nurse (also after the deadline: a request told to the
head nurse in person). Each request is one item of the period's partition, create-only per nurse and day,
read with the grid (``PeriodRepository.sheet``), so the grid, every edit and every solve weigh them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from chalicelib.scheduling.contracts import periods as api
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain import requests as wishes
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.domain.requests import RosterRequest
from chalicelib.scheduling.service import access, periods, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.persistence.models import now_utc


def _open_or_refuse(period_state: str, closes: date, today: date, rosterer: bool) -> None:
    """Requests change while the period is a draft, until the deadline (which its rosterers may pass)."""
    if period_state != "draft":
        raise Conflict(f"requests are closed: the roster period is {period_state}")
    if today > closes and not rosterer:
        raise Conflict(f"requests for this roster period closed on {closes.isoformat()}")


def _rosters(principal: Principal, ward_ids: tuple[str, ...], directory: Directory | None) -> bool:
    """Whether the caller rosters the period (decided by the role alone for a nurse: no read)."""
    if not principal.has_any_role(access.ROSTERING_ROLES):
        return False
    try:
        return access.read_rostering(principal, ward_ids, directory or wiring.directory())
    except Forbidden:
        return False


def file_request(
    principal: Principal,
    period_id: str,
    body: api.FileRequest,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    today: date | None = None,
) -> api.RosterRequest:
    """201 with the request (and its verdict on the draft as it stands). Refused: not a nurse of the
    period (403); a day outside it, a shift the ward does not run (422); the period not a draft, the
    deadline passed, a request that day already, the cap reached (409)."""
    store = periods._store(principal, request_id, store)
    period, rows, requests = periods._sheet(store, period_id)
    who = body.staff_id or principal.staff
    rosterer = _rosters(principal, period.ward_ids, directory)
    if who != principal.staff and not rosterer:
        raise Forbidden("a nurse files her own requests; the period's rosterers may record one for her")
    ctx = periods._context(principal.tenant, period, rows, store, requests)
    if who not in {n.id for n in ctx.problem.nurses}:
        if who == principal.staff:
            raise Forbidden("requests are filed by the nurses of the roster period")
        raise RuleViolation(f"{who} is not a nurse of this period", field="staff_id")
    today = today or periods.local_today()
    closes = periods.deadline(period)
    _open_or_refuse(period.state, closes, today, rosterer)
    if not period.start <= body.date <= period.end:
        raise RuleViolation(
            f"{body.date.isoformat()} is not a day of the roster period "
            f"({period.start.isoformat()} to {period.end.isoformat()})",
            field="date",
        )
    if body.kind == "day_off" and body.shift is not None:
        raise RuleViolation("a day_off request names no shift", field="shift")
    if body.kind != "day_off" and body.shift is None:
        raise RuleViolation("shift_off and shift_on requests name the shift", field="shift")
    if body.shift is not None and body.shift not in {s.code for s in ctx.shifts}:
        raise RuleViolation(f"the ward has no shift {body.shift}", field="shift")
    name = ctx.rows[who].staff_name
    mine = wishes.mine_of(requests, who)
    if any(r.day == body.date for r in mine):
        raise Conflict(f"{name} already has a request on {body.date.isoformat()}: withdraw it first")
    if len(mine) >= wishes.MAX_PER_NURSE:
        raise Conflict(f"at most {wishes.MAX_PER_NURSE} requests per nurse in a roster period")
    request = RosterRequest(
        id=wiring.new_id(),
        period_id=period.id,
        staff_id=who,
        staff_name=name,
        day=body.date,
        kind=body.kind,
        shift=body.shift,
        priority=body.priority,
        reason=body.reason,
        created_at=now_utc(),
        created_by=principal.staff,
    )
    store.requests.add(request)
    store.uow.audit(
        "roster.request",
        "roster_period",
        period.id,
        after={"staff_id": who, "date": body.date.isoformat(), "kind": body.kind, "shift": body.shift},
    )
    store.uow.commit()
    every = [*requests, request]
    ctx = replace(ctx, problem=replace(ctx.problem, requests=tuple(wishes.to_engine(ctx.problem, every))))
    roster = rules.roster_of(ctx.problem, ctx.rows.values())
    return periods.request_views(ctx, roster, [request])[0]


def list_requests(
    principal: Principal,
    period_id: str,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    today: date | None = None,
) -> api.RequestList:
    """Everyone's requests for the period's rosterers (by name), her own for anyone else who reads the
    ward; each granted, refused (and why) or pending on the draft as it stands."""
    store = store or wiring.period_store(principal, None)
    period, rows, requests = periods._sheet(store, period_id)
    everyone = access.read_rostering(principal, period.ward_ids, directory or wiring.directory())
    shown = requests if everyone else wishes.mine_of(requests, principal.staff)
    ctx = periods._context(principal.tenant, period, rows, store, requests)
    roster = rules.roster_of(ctx.problem, ctx.rows.values())
    closes = periods.deadline(period)
    return api.RequestList(
        items=periods.request_views(ctx, roster, shown),
        request_deadline=closes,
        requests_open=wishes.is_open(period.state, closes, today or periods.local_today()),
        per_nurse=wishes.MAX_PER_NURSE,
    )


def withdraw_request(
    principal: Principal,
    period_id: str,
    request_id_: str,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    today: date | None = None,
) -> None:
    """A nurse withdraws her own request while requests are open; the rosterers anyone's, while the period
    is a draft. Someone else's request is 403 to a nurse; an unknown one 404."""
    store = periods._store(principal, request_id, store)
    period, _, requests = periods._sheet(store, period_id)
    found = next((r for r in requests if r.id == request_id_), None)
    rosterer = _rosters(principal, period.ward_ids, directory)
    if found is None or (found.staff_id != principal.staff and not rosterer):
        if found is None:
            raise NotFound("request")
        raise Forbidden("a nurse withdraws only her own requests")
    closes = periods.deadline(period)
    today = today or periods.local_today()
    _open_or_refuse(period.state, closes, today, rosterer)
    store.requests.remove(found)
    store.uow.audit(
        "roster.request.withdraw",
        "roster_period",
        period.id,
        before={"staff_id": found.staff_id, "date": found.day.isoformat(), "kind": found.kind},
    )
    store.uow.commit()
