"""The audit trail: every action of a person or program, written in the transaction of the change it records,
never changed afterwards, and read back filtered by instance, actor and time.

An entry holds the time, the actor (their name and how they came: web, api token, command line, program),
the action, the process, instance and task it is about, and a detail object: before and after values, the
values submitted. Sensitive values are redacted (`bpmn_runtime.sensitive`) and the detail is sealed when
encryption is on. Actions are named `ACTIONS`; features that add one call `UnitOfWork.audit`.

Nothing in the application changes or deletes entries; the database refuses it too (migration 0008_audit).
Only the history-retention cleanup removes old ones, through `purge_audit_before`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import ColumnElement, Connection, Table, delete, func, insert, or_, select, true, update

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime.records import Record
from bpmn_runtime.store import encryption, statements
from bpmn_runtime.store.encryption import Encryption
from bpmn_runtime.store.tables import AuditEntry, Setting

if TYPE_CHECKING:
    from bpmn_runtime.runtime.task_rules import Actor
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork

AUDIT: Table = statements.AUDIT
PURGED_THROUGH = "audit_purged_through"  # the setting the database's guard reads (migration 0008_audit)
ACTIONS = ("deploy", "start", "claim", "unclaim", "assign", "complete", "set_variables", "message", "message.discard", "signal",
           "cancel", "retry", "suspend", "resume", "modify", "migrate", "permission.grant", "permission.revoke",
           "account.add", "account.password", "account.disable", "account.enable", "account.remove",
           "account.token", "login.failed", "encryption.rotate", "audit.purge")
NAME_LENGTH = 255
VIA_LENGTH = 100


@dataclass(frozen=True)
class AuditRecord(Record):
    id: int
    at: datetime
    actor: str
    via: str
    action: str
    process_key: str | None
    instance_id: int | None
    task_id: int | None
    detail: dict[str, Any] | None


def record(connection: Connection, sealing: Encryption, at: datetime, actor: "Actor", action: str, *,
           process_key: str | None = None, instance_id: int | None = None, task_id: int | None = None,
           detail: Mapping[str, Any] | None = None) -> None:
    """Append one entry in the transaction of `connection`."""
    name, via = _clean(actor.name, NAME_LENGTH), _clean(actor.via, VIA_LENGTH)
    text = json.dumps(detail, default=str, ensure_ascii=False, separators=(",", ":")) if detail else None
    sealed = sealing.seal(text, encryption.audit_detail(at, name, action, process_key, instance_id, task_id)) \
        if text is not None else None
    statements.INSERT_AUDIT.execute(connection, {
        "at": at, "actor": name, "via": via, "action": action, "process_key": process_key,
        "instance_id": instance_id, "task_id": task_id, "detail": sealed}).close()


AGES = {"m": 60, "h": 3600, "d": 86400}


def parse_since(text: str, now: datetime) -> datetime:
    """A `since` filter: an ISO 8601 date or date-time (UTC unless it names an offset), or an age such as
    30m, 12h or 7d; InvalidInput saying so otherwise."""
    cleaned = text.strip()
    unit = AGES.get(cleaned[-1:].lower())
    try:
        if unit is not None and cleaned[:-1].isascii() and cleaned[:-1].isdigit() and len(cleaned) <= 10:
            return now - timedelta(seconds=int(cleaned[:-1]) * unit)
        moment = datetime.fromisoformat(cleaned)
        # stored times are UTC (SQLite keeps them without their zone): compare in UTC
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except OverflowError:
        raise InvalidInput(f"'{text[:40]}' is out of range: give a time from the year 1 to 9999") from None
    except ValueError:
        raise InvalidInput(f"'{text[:40]}' is not a time: give a date (2027-01-31), a date and time "
                           f"(2027-01-31T09:00:00Z) or an age (30m, 12h, 7d)") from None


def _clean(text: str, limit: int) -> str:
    """Text for a column: at most `limit` characters, no NUL (PostgreSQL refuses it; a login form's name may
    hold anything)."""
    return text.replace("\x00", "\ufffd")[:limit]


def visible(actor: "Actor") -> ColumnElement[bool]:
    """The entries `actor` may read: administrators and programs all of them; operators those about the
    processes whose instances they may see (entries about no process, such as account changes, are for
    administrators); others none."""
    if actor.unrestricted:
        return true()
    condition: ColumnElement[bool] = AuditEntry.process_key.is_not(None) & permissions.viewable(
        actor, AuditEntry.process_key)
    return condition


def entries(connection: Connection, sealing: Encryption, actor: "Actor", *, instance_id: int | None = None,
            user: str | None = None, since: datetime | None = None, process: str | None = None,
            action: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[AuditRecord], int]:
    """Entries newest first, filtered, and how many match in all."""
    query = select(AuditEntry).where(visible(actor))
    if instance_id is not None:
        query = query.where(AuditEntry.instance_id == instance_id)
    if user:
        query = query.where(AuditEntry.actor == user)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if process:
        query = query.where(AuditEntry.process_key == process)
    if action:
        query = query.where(or_(AuditEntry.action == action, AuditEntry.action.startswith(f"{action}.")))
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return [_entry(row, sealing) for row in rows], total


def _entry(row: Any, sealing: Encryption) -> AuditRecord:
    detail = json.loads(sealing.open(row.detail, encryption.audit_detail(
        row.at, row.actor, row.action, row.process_key, row.instance_id, row.task_id))) if row.detail else None
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)  # SQLite gives UTC times back naive
    return AuditRecord(row.id, at, row.actor, row.via, row.action, row.process_key, row.instance_id,
                       row.task_id, detail)


def reseal(connection: Connection, sealing: Encryption, row: Any) -> bool:
    """Seal an entry's detail again with the current key (`rotate-key`); False when it changed meanwhile.
    The database's guard allows this one change: the other columns stay, and the new detail is sealed."""
    context = encryption.audit_detail(row.at, row.actor, row.action, row.process_key, row.instance_id, row.task_id)
    resealed = sealing.seal(sealing.open(row.detail, context), context)
    result = connection.execute(update(AUDIT).where(AUDIT.c.id == row.id, AUDIT.c.detail == row.detail)
                                .values(detail=resealed))
    return bool(result.rowcount)


def purge_audit_before(unit: "UnitOfWork", cutoff: datetime) -> int:
    """Delete the entries older than `cutoff` (the history retention's horizon) in the unit's transaction; how
    many. The database refuses to delete entries past the setting `audit_purged_through`, which this raises
    first; the purge itself is recorded as an entry, by the unit's actor."""
    connection = unit.connection
    if cutoff > unit.now:
        raise InvalidInput("the audit trail keeps every entry up to now; a cutoff in the future is refused")
    through = connection.execute(select(func.max(AuditEntry.id)).where(AuditEntry.at < cutoff)).scalar()
    if through is None:
        return 0
    known = connection.execute(select(Setting.value).where(Setting.name == PURGED_THROUGH)).scalar()
    if known is None:
        connection.execute(insert(Setting).values(name=PURGED_THROUGH, value=str(through)))
    elif int(known) < through:
        connection.execute(update(Setting).where(Setting.name == PURGED_THROUGH).values(value=str(through)))
    removed = int(connection.execute(delete(AUDIT).where(AUDIT.c.id <= through, AUDIT.c.at < cutoff)).rowcount)
    unit.audit("audit.purge", detail={"before": cutoff.isoformat(), "removed": removed})
    return removed
