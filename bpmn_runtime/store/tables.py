"""The database tables, as SQLAlchemy 2 typed mappings. Alembic migrations create them (see migrations/)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only makes INTEGER PRIMARY KEY an alias of the row id; PostgreSQL gets BIGINT identities.
Id = BigInteger().with_variant(Integer(), "sqlite")
# Tables whose rows are deleted (or whose ids people type and programs retry) take AUTOINCREMENT on SQLite:
# without it SQLite hands the largest id out again once its row is gone, and `complete 5` would then act on
# another instance's task. PostgreSQL sequences never go back.
NEVER_REUSED = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    pass


class Definition(Base):
    """One version of a deployed process: its key (the process id), version, and the file it came from."""

    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("key", "version"), Index("ix_definitions_key_checksum", "key", "checksum"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    file_name: Mapped[str] = mapped_column(String(500))
    checksum: Mapped[str] = mapped_column(String(64))
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A suspended version starts no instance (its instances are suspended with it).
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Days an ended instance's history is kept (camunda:historyTimeToLive); None: the installation's default.
    history_ttl_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DeployedForm(Base):
    """One version of a deployed form-js form (a `.form` file) or SpiffArena JSON-schema form (a `.json` file, its
    id its name): user tasks and start events link to it by its id (Camunda 8 `zeebe:formDefinition formId`) or
    file name (Camunda 7 `camunda-forms:deployment:NAME`, SpiffWorkflow's formJsonSchemaFilename)."""

    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("form_id", "version"), Index("ix_forms_file_name", "file_name"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(500))
    checksum: Mapped[str] = mapped_column(String(64))
    schema: Mapped[str] = mapped_column(Text)
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkedForm(Base):
    """The form version a process version's element was bound to when the process was deployed."""

    __tablename__ = "linked_forms"

    definition_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    form_version_id: Mapped[int] = mapped_column(BigInteger)


class DmnFile(Base):
    """One version of a deployed DMN file, kept whole: decisions evaluate with the models they import, which
    are found by namespace among the newest files."""

    __tablename__ = "dmn_files"
    __table_args__ = (Index("ix_dmn_files_namespace", "namespace", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    namespace: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(255), default="")
    file_name: Mapped[str] = mapped_column(String(500))
    checksum: Mapped[str] = mapped_column(String(64))
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DecisionDefinition(Base):
    """One version of a deployed decision: its key (the decision id), version, and the file it came from."""

    __tablename__ = "decision_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    file_id: Mapped[int] = mapped_column(ForeignKey("dmn_files.id"))
    checksum: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


HAS_BUSINESS_KEY = text("business_key IS NOT NULL")
SUSPENDED = text("suspended")
ENDED = text("ended_at IS NOT NULL")
ASSIGNED = text("assignee IS NOT NULL")
INSTANCE_STATUSES = ("active", "completed", "terminated", "failed", "cancelled")


class Instance(Base):
    """A process instance. `state` is the engine's JSON document; `version` guards concurrent writers."""

    __tablename__ = "instances"
    __table_args__ = (
        # A list filtered by process (and status) reads its newest first from the index.
        Index("ix_instances_process_status", "process_key", "status", "id"),
        # The ids of each status: a status's newest instances without reading past the others (one index of
        # (status, id) would do, but PostgreSQL judges it by how the statuses lie in the table and prefers
        # reading the primary key backwards past 100,000 active instances to find the newest completed).
        *(Index(f"ix_instances_{status}", "id", sqlite_where=text(f"status = '{status}'"),
                postgresql_where=text(f"status = '{status}'")) for status in INSTANCE_STATUSES),
        # Most instances have no business key; an index entry for them would cost every start a page write.
        Index("ix_instances_business_key", "business_key", sqlite_where=HAS_BUSINESS_KEY,
              postgresql_where=HAS_BUSINESS_KEY),
        # A request key is the caller's idempotency key for starting one process: scoped to that process.
        UniqueConstraint("process_key", "request_key", name="uq_instances_process_request_key"),
        # Few instances are suspended, and job acquisition and timers ask for them on every round.
        Index("ix_instances_suspended", "id", sqlite_where=SUSPENDED, postgresql_where=SUSPENDED),
        # History cleanup reads ended instances oldest first.
        Index("ix_instances_ended", "ended_at", sqlite_where=ENDED, postgresql_where=ENDED),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id"))
    process_key: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    request_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(Text)
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    parent_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    parent_wait: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    traceparent: Mapped[str | None] = mapped_column(String(55), nullable=True)  # W3C: the instance's trace
    # No job, timer, task or message of a suspended instance moves until it is resumed. Only the database's
    # default: the hot INSERT of a new instance names its columns and leaves this one out.
    suspended: Mapped[bool] = mapped_column(Boolean, server_default=false())



class StateRow(Base):
    """An activity instance, a wait, a large value or a multi-instance result of a large instance's state, as a row
    of its own (see `engine.state_format.store`): a step rewrites the rows it changed, not the whole state. `data` is
    its JSON."""

    __tablename__ = "state_rows"
    __table_args__ = (UniqueConstraint("instance_id", "kind", "key", name="uq_state_rows_instance_kind_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)  # what `rotate-key` pages by
    instance_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # activity_instance, wait, value or result
    key: Mapped[int] = mapped_column(Integer)  # the activity instance's id, the wait's key
    data: Mapped[str] = mapped_column(Text)


class UserTask(Base):
    """A task waiting for a person."""

    __tablename__ = "user_tasks"
    __table_args__ = (UniqueConstraint("instance_id", "wait_key"), Index("ix_user_tasks_created", "created_at"),
                      Index("ix_user_tasks_due", "due"),
                      # Only claimed tasks: an index of every NULL would lead SQLite to read all unclaimed tasks.
                      Index("ix_user_tasks_assignee", "assignee", sqlite_where=ASSIGNED, postgresql_where=ASSIGNED),
                      NEVER_REUSED)
    # On PostgreSQL the migrations also add pg_trgm GIN indexes on business_key and on the candidate lists as
    # the inbox matches them (migration 0014), where the server allows the extension.

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    wait_key: Mapped[int] = mapped_column(Integer)
    process_key: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(500))
    assignee: Mapped[str | None] = mapped_column(String(255), nullable=True)
    candidate_users: Mapped[str] = mapped_column(Text, default="")
    candidate_groups: Mapped[str] = mapped_column(Text, default="")
    due: Mapped[str | None] = mapped_column(String(64), nullable=True)
    follow_up: Mapped[str | None] = mapped_column(String(64), nullable=True)  # set by the person working on it
    priority: Mapped[int] = mapped_column(Integer, default=50)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EndedTask(Base):
    """A user task that is no longer open, kept so that acting on its id again is answered plainly
    ("task 5 was completed at ... by mia") instead of with a bare "not found"."""

    __tablename__ = "ended_tasks"

    task_id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    instance_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(20))  # completed, withdrawn
    ended_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """Work for a worker: a service task for a handler, a timer, or an asynchronous continuation."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("instance_id", "wait_key"), Index("ix_jobs_due", "kind", "due_at"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    instance_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    definition_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    wait_key: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # job, timer, continuation, start_timer
    topic: Mapped[str] = mapped_column(String(255), default="")
    element_id: Mapped[str] = mapped_column(String(255), default="")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retries: Mapped[int] = mapped_column(Integer, default=3)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lock_owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lock_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expired_leases: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the holder started the handler; None while a worker holds the job queued behind another. A lease
    # that expires on a job never started spends none of its tries.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    fired: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # firings of a start_timer
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Subscription(Base):
    """An instance (or, with no instance, a deployed definition's start event) waiting for a message or signal."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_lookup", "kind", "name"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    instance_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    definition_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    wait_key: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # message, signal
    name: Mapped[str] = mapped_column(String(255))
    correlation_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    element_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BufferedMessage(Base):
    """A message published with a time to live that no instance waited for yet (as Zeebe buffers it): the first
    subscription that opens for its name and correlation key before `expires_at` takes it. A message delivered
    at once keeps a row (`delivered_to`) only when it has a message id, so that the id stays taken until then."""

    __tablename__ = "buffered_messages"
    __table_args__ = (Index("ix_buffered_messages_lookup", "name", "correlation_key"),
                      Index("ix_buffered_messages_expires", "expires_at"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    correlation_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    variables: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_to: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Incident(Base):
    """A failure that waits for an operator: a job out of retries, or an element that could not go on."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "resolved_at"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    activity_instance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    element_id: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HistoryEvent(Base):
    """The append-only audit log of what happened to an instance."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(64))
    element_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    activity_instance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[str | None] = mapped_column(Text, nullable=True)


class User(Base):
    """A person or program that uses the inbox, console or API."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20), default="user")  # admin, operator, user
    groups: Mapped[str] = mapped_column(Text, default="")
    api_token_hash: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The external-task topics the API token may fetch and act on, separated by commas; NULL: any topic.
    api_token_topics: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Carried in every web session of the account; a new value (logout, new password, disabled) ends them all.
    session_stamp: Mapped[str] = mapped_column(String(64), default="", server_default="")


class LoginFailure(Base):
    """Failed logins counted per account name or per client address (`key` is a hash of either), shared by
    every `serve` process so that throttling holds across them."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Setting(Base):
    """A value every node of an installation must share, such as the key that signs web sessions."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """One action of a person or program, written in the transaction of the change it records and never
    changed afterwards (triggers refuse UPDATE and DELETE: see migration 0008_audit). `detail` is a JSON
    object (before and after values, the values submitted), sealed when encryption is on."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_instance", "instance_id", "id"),
                      Index("ix_audit_log_actor", "actor", "id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(255))
    via: Mapped[str] = mapped_column(String(100))  # web, api token, command line (OS user ...), program
    action: Mapped[str] = mapped_column(String(64))
    process_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    instance_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    task_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class ProcessPermission(Base):
    """Who may start a process, see its instances, or operate on them (kind start, view, operate): a user or
    a group. `source` model rows come from the newest deployed version (camunda:candidateStarterGroups and
    candidateStarterUsers); admin rows are set with `bpmn-runtime permission` or the console, and where a
    process has admin rows of a kind they replace the model's."""

    __tablename__ = "process_permissions"
    __table_args__ = (UniqueConstraint("process_key", "kind", "principal_type", "principal", "source",
                                       name="uq_process_permissions"),
                      Index("ix_process_permissions_lookup", "kind", "principal_type", "principal"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    process_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))  # start, view, operate
    principal_type: Mapped[str] = mapped_column(String(10))  # user, group
    principal: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(10))  # model, admin
