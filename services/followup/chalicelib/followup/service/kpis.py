"""Follow-up's KPIs per department and month (``domain/kpis.py`` defines them): the counters follow-up's own
events move (a consumer, once per event by the inbox marker), and the figures read from them.

Who reads them: the department's clinical staff (its department head among them, and heads of a unit above
it, through the department policy) and the hospital's admins.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.followup.contracts.kpis import Figure, KpiQuery, Kpis
from chalicelib.followup.domain import kpis as rules
from chalicelib.followup.domain.board import local_day
from chalicelib.followup.domain.ports import Directory, Hospitals, Store
from chalicelib.followup.service import access, wiring
from chalicelib.followup.service.board import Remembered

from shared.auth import Principal
from shared.errors import NotFound
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import (
    FOLLOWUP_ALERT_RAISED,
    FOLLOWUP_ENROLLED,
    FOLLOWUP_TASK_DONE,
    FOLLOWUP_TASK_MISSED,
)
from shared.persistence.uow import UnitOfWork

DEFINITIONS = {
    "followup_rate": "tasks done with outcome reached / tasks due in the month (done + missed)",
    "on_time_rate": "tasks done on or before their due date / tasks done (due in the month)",
    "lost_rate": "tasks done with outcome lost / tasks due in the month (done + missed)",
    "abnormal_results": "abnormal-result alerts raised in the month / tasks done (due in the month)",
}


def count(
    envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None, hospitals: Hospitals | None = None
) -> None:
    """Move the counters an event of follow-up's moves, in the consumer's transaction (with its inbox
    marker: a redelivered event counts once)."""
    store = store or wiring.consumer_store(envelope.tenant, uow)
    if envelope.type == FOLLOWUP_ENROLLED.name:
        enrolled = FOLLOWUP_ENROLLED.parse(envelope)
        store.kpis.add(enrolled.department_id, rules.month_of(enrolled.discharge_date), {"enrolled": 1})
    elif envelope.type == FOLLOWUP_TASK_MISSED.name:
        missed = FOLLOWUP_TASK_MISSED.parse(envelope)
        store.kpis.add(missed.department_id, rules.month_of(missed.due), {"missed": 1})
    elif envelope.type == FOLLOWUP_TASK_DONE.name:
        done = FOLLOWUP_TASK_DONE.parse(envelope)
        done_on = local_day(envelope.time, (hospitals or wiring.hospitals()).time_zone(envelope.tenant))
        store.kpis.add(
            done.department_id, rules.month_of(done.due), rules.on_done(done.outcome, done.due, done_on)
        )
    elif envelope.type == FOLLOWUP_ALERT_RAISED.name:
        alert = FOLLOWUP_ALERT_RAISED.parse(envelope)
        raised_on = local_day(envelope.time, (hospitals or wiring.hospitals()).time_zone(envelope.tenant))
        store.kpis.add(alert.department_id, rules.month_of(raised_on), {"alerts": 1})


def kpis(
    principal: Principal,
    query: KpiQuery,
    store: Store | None = None,
    directory: Directory | None = None,
    hospitals: Hospitals | None = None,
    now: datetime | None = None,
) -> Kpis:
    """A department's four figures for a month, each with its numerator and denominator."""
    directory = Remembered(directory or wiring.directory())
    store = store or wiring.store(principal)
    if query.department_id is None and directory.staff(principal.tenant, principal.staff) is None:
        raise NotFound("department")  # the caller's own department, and the directory has no record of her
    if principal.kind == "staff" and access.ADMIN in principal.roles:
        department_id = query.department_id or access.caller(principal, directory).department_id
    else:
        me = access.caller(principal, directory)
        department_id = query.department_id or me.department_id
        access.require_department(principal, department_id, directory)
    unit = directory.units(principal.tenant).get(department_id)
    if unit is None:
        raise NotFound("department")
    month = query.month or rules.month_of(
        local_day(now or datetime.now(UTC), (hospitals or wiring.hospitals()).time_zone(principal.tenant))
    )
    counts = store.kpis.get(department_id, month)
    return Kpis(
        department_id=department_id,
        department_name=unit.name,
        month=month,
        enrolled=counts.enrolled,
        due=counts.due,
        **{
            name: Figure(
                numerator=figure.numerator,
                denominator=figure.denominator,
                rate=figure.rate,
                definition=DEFINITIONS[name],
            )
            for name, figure in rules.figures(counts).items()
        },
    )
