"""One approval instance's write path, shared by every use case that changes one: load it, run the engine
(handing new tasks to deputies), and commit the change with its record, lists, timers and events in one
unit of work."""

from __future__ import annotations

from chalicelib.approvals.domain import deputies, engine, leave_book
from chalicelib.approvals.domain.engine import Command, Instance
from chalicelib.approvals.domain.ports import Store
from chalicelib.approvals.domain.records import AttachmentRecord, BoxLine, LeaveBook, StoredApproval
from chalicelib.approvals.service.instance_events import events

from shared.errors import Conflict, NotFound


class StaleApproval(Conflict):
    """The instance changed between our read and our write."""


def load(store: Store, instance_id: str) -> StoredApproval:
    stored = store.approvals.get(instance_id)
    if stored is None:
        raise NotFound("approval")
    return stored


def execute(store: Store, before: Instance | None, command: Command) -> tuple[Command, Instance]:
    """Run the engine; the tasks it assigns go to their approvers' deputies too, which the command
    then names, so the operation record replays to the same state."""
    command = engine.acting_as(before, command)
    after = engine.execute(before, command)
    if after is before:
        return command, after
    fresh = {c.staff_id for c in engine.changes(before, after) if c.kind == "task_assigned"}
    if fresh:
        found = deputies.deputies_at(store.deputies.of(fresh), fresh, command.at)
        # A task never goes to its request's submitter, as a deputy either (they could not act on it).
        found = {approver: deputy for approver, deputy in found.items() if deputy != after.submitter}
        if found:
            command = command.model_copy(update={"deputies": found})
            after = engine.execute(before, command)
    return command, after


def box_lines(inst: Instance) -> dict[tuple[str, str, str, str], BoxLine]:
    """The lines the instance has in people's lists, by key."""
    lines = (
        BoxLine(
            box=entry.box,
            staff_id=entry.staff_id,
            at=entry.sort,
            instance_id=inst.id,
            template_id=inst.submission.template_id,
            template_code=inst.submission.template_code,
            title=inst.submission.title,
            submitter=inst.submitter,
            status=inst.status,
            submitter_name=inst.submission.submitter_name,
        )
        for entry in engine.inbox(inst)
    )
    return {line.key: line for line in lines}


def book_for(store: Store, before: Instance | None, after: Instance) -> LeaveBook | None:
    """The submitter's leave book when ``after`` claims an interval it did not hold (a leave submitted or
    resubmitted), checked free of their other pending or approved leave; None when nothing is claimed."""
    entry = leave_book.entry_of(after)
    old = leave_book.entry_of(before)
    if entry is None or (old is not None and old.span == entry.span):
        return None
    book = store.leave.of(after.submitter, entry.start)
    leave_book.check_free(book, entry)
    return book


def commit(
    store: Store,
    stored: StoredApproval | None,
    after: Instance,
    command: Command,
    book: LeaveBook | None = None,
    bind: list[AttachmentRecord] | None = None,
) -> int:
    """Write the change from ``stored`` (None: a new approval) to ``after``; returns its stored version.

    The lists, SLA timers and the submitter's leave book follow the state in the same transaction: none is
    lost, none outlives its task; ``book`` (read by ``book_for``) must not have changed meanwhile; the files
    of ``bind`` (the form's new ones) become the approval's, unless another took one first.
    """
    before = stored.instance if stored is not None else None
    stale = StaleApproval("the approval changed meanwhile; reload and retry")
    with store:
        if stored is None:
            store.approvals.add(after)
        else:
            store.approvals.save(stored, after, stale)
        store.records.add(after.id, after.records, command, stale)
        old = box_lines(before) if before is not None else {}
        new = box_lines(after)
        for key, line in old.items():
            if key not in new:
                store.inbox.remove(line)
        for key, line in new.items():
            if key not in old or old[key].status != line.status:
                store.inbox.put(line)
        old_timers = {t.key: t for t in engine.timers(before)} if before is not None else {}
        new_timers = {t.key: t for t in engine.timers(after)}
        for timer_key, timer in old_timers.items():
            if timer_key not in new_timers:
                store.timers.remove(after.id, timer)
        for timer_key, timer in new_timers.items():
            if old_timers.get(timer_key) != timer:
                store.timers.put(after.id, timer)
        old_entry, new_entry = leave_book.entry_of(before), leave_book.entry_of(after)
        if old_entry != new_entry:
            # an entry is keyed by its end and approval: one that keeps both is replaced, not removed
            # (a transaction may not write one item twice)
            if old_entry is not None and (new_entry is None or new_entry.end != old_entry.end):
                store.leave.remove(after.submitter, old_entry)
            if new_entry is not None:
                store.leave.put(after.submitter, new_entry)
        if book is not None:
            store.leave.guard(book, StaleApproval("your leave changed meanwhile; reload and retry"))
        for record in bind or ():
            taken = Conflict(f"「{record.filename}」 was attached to another approval meanwhile")
            store.attachments.bind(record, after.id, taken)
        for event in events(store.tenant, before, after, command):
            store.emit(event)
        store.audit(
            f"approval.{command.action}",
            "approval",
            after.id,
            before={"status": before.status, "form": before.form} if before else None,
            after={"status": after.status, "form": after.form, "comment": command.comment},
        )
        store.commit()
    return stored.version + 1 if stored is not None else 1
