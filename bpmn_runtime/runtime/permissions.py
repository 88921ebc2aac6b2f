"""Permissions per process and per topic: who may start a process, see its instances and operate on them, and
which external-task topics an API token may fetch. The runtime applies them to every call and every list,
whoever calls (console, inbox, API, command line with `--as`), so no caller can forget them.

- **start**: the users and groups a process names (`camunda:candidateStarterUsers` and
  `candidateStarterGroups` of its newest version, or those an administrator set, which replace the model's)
  may start it, whatever their role. A process that names nobody is started by operators, as before.
- **view** and **operate** are operator permissions: a process with view grants shows its instances, tasks,
  incidents and audit entries only to the operators named; one with operate grants lets only the operators
  named cancel, retry, set variables, send it messages and signals (and suspend, modify and migrate). To
  operate is also to see; a process without grants of a kind is open to every operator for it.
- Administrators and programs (an embedding program, the command line without `--as`) may do everything.
- **topics**: an API token made with topics fetches and acts on jobs of those topics only. A person's
  token without topics fetches none unless they are an operator.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from sqlalchemy import ColumnElement, Connection, and_, bindparam, delete, exists, false, insert, or_, select, true
from sqlalchemy.orm import aliased

from bpmn_runtime.errors import Forbidden, InvalidInput
from bpmn_runtime.store.statements import DriverStatement
from bpmn_runtime.store.tables import ProcessPermission

if TYPE_CHECKING:
    from bpmn_runtime.runtime.task_rules import Actor

KINDS = ("start", "view", "operate")
PRINCIPAL_TYPES = ("user", "group")
VERBS = {"start": "start", "view": "see the instances of", "operate": "operate on the instances of"}


class Grant(NamedTuple):
    """One permission as listed: the process, the kind, a user or a group, and where it comes from."""

    process_key: str
    kind: str
    principal_type: str
    principal: str
    source: str  # model, admin


def _named(actor: "Actor", table: Any = ProcessPermission) -> ColumnElement[bool]:
    """The rows that name the actor or one of their groups."""
    by_user: ColumnElement[bool] = and_(table.principal_type == "user", table.principal == actor.name)
    if not actor.groups:
        return by_user
    return or_(by_user, and_(table.principal_type == "group", table.principal.in_(actor.groups)))


def _in_force(table: Any) -> ColumnElement[bool]:
    """A row counts unless it is a model row of a process whose administrators set rows of the same kind."""
    admin = aliased(ProcessPermission)
    overridden = exists().where(admin.process_key == table.process_key, admin.kind == table.kind,
                                admin.source == "admin")
    return or_(table.source == "admin", ~overridden)


def viewable(actor: "Actor", process_key: Any) -> ColumnElement[bool]:
    """The condition on a process key column that keeps what `actor` may see (lists use it)."""
    if actor.unrestricted:
        return true()
    if not actor.trusted:
        return false()
    granted = select(ProcessPermission.process_key).where(ProcessPermission.kind.in_(("view", "operate")),
                                                          _named(actor))
    restricted = select(ProcessPermission.process_key).where(ProcessPermission.kind == "view")
    condition: ColumnElement[bool] = or_(process_key.not_in(restricted), process_key.in_(granted))
    return condition


def may(connection: Connection, actor: "Actor", process_key: str, kind: str) -> bool:
    """Whether `actor` may do `kind` (start, view, operate) with process `process_key`."""
    if actor.unrestricted:
        return True
    if kind == "operate":
        return actor.trusted and may(connection, actor, process_key, "view") and _allowed(
            connection, actor, process_key, "operate", ("operate",))
    if kind == "view":
        return actor.trusted and _allowed(connection, actor, process_key, "view", ("view", "operate"))
    return _allowed(connection, actor, process_key, "start", ("start",))


# The two questions of `_allowed`, built once: a call checks permissions on every start and task action; the
# first, asked of nearly every process (which has no restricting grant), is compiled once for the driver.
_ROWS_IN_FORCE = select(ProcessPermission.id).where(ProcessPermission.process_key == bindparam("process_key"),
                                                    _in_force(ProcessPermission))
_RESTRICTING = DriverStatement(_ROWS_IN_FORCE.where(ProcessPermission.kind == bindparam("kind")).limit(1))
_GRANTING = _ROWS_IN_FORCE.where(
    ProcessPermission.kind.in_(bindparam("granting", expanding=True)),
    or_(and_(ProcessPermission.principal_type == "user", ProcessPermission.principal == bindparam("user")),
        and_(ProcessPermission.principal_type == "group",
             ProcessPermission.principal.in_(bindparam("groups", expanding=True))))).limit(1)


def _allowed(connection: Connection, actor: "Actor", process_key: str, kind: str, granting: tuple[str, ...]) -> bool:
    """Open to operators while no grant of `kind` restricts the process; else only to those named in a grant
    of one of the `granting` kinds."""
    if _RESTRICTING.one_or_none(connection, {"process_key": process_key, "kind": kind}) is None:
        return actor.trusted
    return connection.execute(_GRANTING, {"process_key": process_key, "granting": list(granting), "user": actor.name,
                                          "groups": list(actor.groups)}).first() is not None


def check(connection: Connection, actor: "Actor", process_key: str, kind: str) -> None:
    """Forbidden unless `actor` may do `kind` with the process."""
    if not may(connection, actor, process_key, kind):
        raise Forbidden(f"{actor.name} may not {VERBS[kind]} process '{process_key}'.")


def check_topics(actor: "Actor", topics: list[str] | None) -> list[str] | None:
    """The topics `actor` fetches from: those asked for, or all their token allows; Forbidden for a topic their
    token does not allow, and for a person whose token names no topics who is not an operator."""
    if actor.topics is None:
        if not actor.trusted:
            raise Forbidden("Only operators and administrators, or API tokens made for topics, can run external "
                            "tasks.")
        return topics
    if topics is None:
        return list(actor.topics)
    refused = [topic for topic in topics if topic not in actor.topics]
    if refused:
        raise Forbidden(f"This API token may fetch topics {', '.join(actor.topics)} only, not {', '.join(refused)}.")
    return topics


def check_topic(actor: "Actor", topic: str) -> None:
    """Forbidden unless the actor's token may act on jobs of `topic`."""
    check_topics(actor, [topic])


# --- keeping the grants ----------------------------------------------------------------------------

def from_model(connection: Connection, process_key: str, users: Iterable[str], groups: Iterable[str]) -> None:
    """The start grants of a newly deployed version replace the model grants of the versions before it."""
    connection.execute(delete(ProcessPermission).where(ProcessPermission.process_key == process_key,
                                                       ProcessPermission.source == "model"))
    rows = [{"process_key": process_key, "kind": "start", "principal_type": kind, "principal": name,
             "source": "model"}
            for kind, names in (("user", users), ("group", groups)) for name in dict.fromkeys(names)]
    if rows:
        connection.execute(insert(ProcessPermission), rows)


def grant(connection: Connection, process_key: str, kind: str, principal_type: str, principal: str) -> bool:
    """Add an administrator's grant; False when it was there already."""
    _check_grant(kind, principal_type, principal)
    found = connection.execute(select(ProcessPermission.id).where(
        ProcessPermission.process_key == process_key, ProcessPermission.kind == kind,
        ProcessPermission.principal_type == principal_type, ProcessPermission.principal == principal,
        ProcessPermission.source == "admin")).first()
    if found is not None:
        return False
    connection.execute(insert(ProcessPermission).values(process_key=process_key, kind=kind,
                                                        principal_type=principal_type, principal=principal,
                                                        source="admin"))
    return True


def revoke(connection: Connection, process_key: str, kind: str, principal_type: str, principal: str) -> bool:
    """Remove an administrator's grant; False when there was none."""
    _check_grant(kind, principal_type, principal)
    result = connection.execute(delete(ProcessPermission).where(
        ProcessPermission.process_key == process_key, ProcessPermission.kind == kind,
        ProcessPermission.principal_type == principal_type, ProcessPermission.principal == principal,
        ProcessPermission.source == "admin"))
    return bool(result.rowcount)


def grants(connection: Connection, process_key: str | None = None) -> list[Grant]:
    """The grants in force and the model grants an administrator's replace (`source` says which)."""
    query = select(ProcessPermission.process_key, ProcessPermission.kind, ProcessPermission.principal_type,
                   ProcessPermission.principal, ProcessPermission.source).order_by(
        ProcessPermission.process_key, ProcessPermission.kind, ProcessPermission.source,
        ProcessPermission.principal_type, ProcessPermission.principal)
    if process_key is not None:
        query = query.where(ProcessPermission.process_key == process_key)
    return [Grant(*row) for row in connection.execute(query)]


def _check_grant(kind: str, principal_type: str, principal: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"'{kind}' is not a permission; they are {', '.join(KINDS)}")
    if principal_type not in PRINCIPAL_TYPES:
        raise InvalidInput(f"grant to a user or a group, not '{principal_type}'")
    if not principal or len(principal) > 255 or "," in principal:
        raise InvalidInput("a user or group name has 1 to 255 characters and no comma")
