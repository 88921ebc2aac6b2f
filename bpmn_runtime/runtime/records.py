"""What the runtime hands back to its callers (CLI, web, embedding programs): plain, JSON-ready records."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Record:
    def to_json(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in asdict(cast("DataclassInstance", self)).items()}


@dataclass(frozen=True)
class DeployedProcess(Record):
    key: str
    version: int
    definition_id: int
    name: str
    file_name: str
    new: bool  # False when an identical file was deployed before
    kind: str = "process"  # or "form": a deployed .form file (key: the form's id)


@dataclass(frozen=True)
class InstanceSummary(Record):
    id: int
    process_key: str
    version: int
    business_key: str | None
    status: str
    started_at: datetime
    ended_at: datetime | None
    open_incidents: int = 0
    suspended: bool = False


@dataclass(frozen=True)
class Token(Record):
    """Where the instance waits: an element, and for what."""

    activity_instance: int
    element_id: str
    element_name: str
    waiting_for: str


@dataclass(frozen=True)
class StartReport(Record):
    """What a start tells its starter: the instance, its status and where it waits."""

    id: int
    status: str
    tokens: list[Token]


@dataclass(frozen=True)
class HistoryEntry(Record):
    at: datetime
    kind: str
    element_id: str | None
    activity_instance: int | None
    data: dict[str, Any] | None


@dataclass(frozen=True)
class CompensationInfo(Record):
    """One run of a compensation handler: which completed activity instance it undid, when, with what result
    (completed, terminated when the instance was cancelled meanwhile, running while it runs)."""

    activity_id: str
    activity_instance: int
    handler_id: str
    handler_instance: int
    started_at: datetime
    ended_at: datetime | None
    result: str


@dataclass(frozen=True)
class TaskInfo(Record):
    id: int
    instance_id: int
    process_key: str
    business_key: str | None
    element_id: str
    name: str
    assignee: str | None
    candidate_users: list[str]
    candidate_groups: list[str]
    due: str | None
    priority: int
    created_at: datetime
    follow_up: str | None = None  # when the person working on it wants to see it again


@dataclass(frozen=True)
class JobInfo(Record):
    id: int
    instance_id: int | None
    kind: str
    topic: str
    element_id: str
    due_at: datetime | None
    retries: int
    attempts: int
    lock_owner: str | None
    lock_expires_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class IncidentInfo(Record):
    id: int
    instance_id: int
    element_id: str
    message: str
    job_id: int | None
    created_at: datetime
    resolved_at: datetime | None
    process_key: str = ""
    business_key: str | None = None
    element_name: str = ""
    retries: int | None = None  # tries its job has left; None: no job (the element itself runs again)
    attempts: int | None = None


@dataclass(frozen=True)
class CalledInstance(Record):
    """An instance a call activity of this one started; `element_id` is that call activity while it waits."""

    instance_id: int
    process_key: str
    status: str
    element_id: str | None


@dataclass(frozen=True)
class InstanceDetail(Record):
    summary: InstanceSummary
    end_reason: str | None
    variables: dict[str, Any]
    tokens: list[Token] = field(default_factory=list)
    tasks: list[TaskInfo] = field(default_factory=list)
    jobs: list[JobInfo] = field(default_factory=list)
    incidents: list[IncidentInfo] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    parent_id: int | None = None
    compensations: list[CompensationInfo] = field(default_factory=list)  # oldest first; empty: nothing undone
    called: list[CalledInstance] = field(default_factory=list)  # oldest first
