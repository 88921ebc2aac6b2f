"""The people and programs that may use the inbox, console and API: accounts, passwords, roles, tokens,
the key that signs web sessions and the stamps that end them, and the throttling of failed logins.

The CLI's `user` commands and the web app both work through `Accounts`; nothing else reads the account
tables. Passwords are kept as salted werkzeug hashes. API tokens are long random strings, so an unsalted
SHA-256 of the token is enough to store and lets a request's token be looked up directly.
"""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bpmn_runtime.clock import Clock, SystemClock
from bpmn_runtime.errors import BpmnRuntimeError, Conflict, InvalidInput, NotFound
from bpmn_runtime.runtime import audit
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.store.database import Database
from bpmn_runtime.store.statements import DriverStatement
from bpmn_runtime.store.tables import LoginFailure, Setting, User

ROLES = ("admin", "operator", "user")
SESSION_SECRET = "web_session_secret"  # the name of the setting that holds the key
MIN_PASSWORD = 8
MAX_PASSWORD = 1000  # hashing is slow on purpose; a longer "password" is refused before it is hashed
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
# Checked when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Account:
    """Who is calling: a name, a role and the groups that tasks can be offered to."""

    id: int
    name: str
    role: str
    groups: tuple[str, ...]
    active: bool = True
    session_stamp: str = ""
    token_topics: tuple[str, ...] | None = None  # the external-task topics the API token may fetch; None: any

    @property
    def is_operator(self) -> bool:
        """Operators and administrators run the console: deploy, start, cancel, retry."""
        return self.role in ("admin", "operator")


@dataclass(frozen=True)
class Throttling:
    """How failed logins slow down guessing. After `account_failures` failures for one name (or
    `address_failures` from one client address) each further failure locks that name (or address) out for
    `first_lockout` seconds, doubling up to `max_lockout`; a quiet `forget_after` seconds starts the count
    again, and a successful login starts the name's count again."""

    account_failures: int = 5
    address_failures: int = 20
    first_lockout: float = 30.0
    max_lockout: float = 900.0
    forget_after: float = 900.0


class LoginThrottled(BpmnRuntimeError):
    """Too many failed logins for this name or from this address; the same for names that do not exist."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        minutes = max(math.ceil(retry_after / 60), 1)
        super().__init__(f"too many failed logins for this name or from your address; try again in "
                         f"{minutes} minute{'s' if minutes > 1 else ''}")


class _AccountRow(NamedTuple):
    """The columns of a user row an `Account` is made of, as `_BY_TOKEN` reads them."""

    id: int
    name: str
    role: str
    groups: str
    active: int
    session_stamp: str
    api_token_topics: str | None


def _account(row: "User | _AccountRow") -> Account:
    topics = tuple(t for t in row.api_token_topics.split(",") if t) if row.api_token_topics is not None else None
    return Account(row.id, row.name, row.role, tuple(g for g in row.groups.split(",") if g), bool(row.active),
                   row.session_stamp, topics)


# What `Accounts.by_token` reads: the columns of an `Account`, of an active account only.
_BY_TOKEN = DriverStatement(select(User.id, User.name, User.role, User.groups, User.active.cast(Integer),
                                   User.session_stamp, User.api_token_topics)
                            .where(User.api_token_hash == bindparam("token_hash"), User.active.is_(True)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _failure_key(kind: str, value: str) -> str:
    """A fixed-size key for a name or address of any length (a name typed at the login form is not checked)."""
    return hashlib.sha256(f"{kind}\n{value}".encode("utf-8", "surrogatepass")).hexdigest()


def _utc(moment: datetime) -> datetime:
    """SQLite hands stored times back without their zone; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _stamp() -> str:
    return secrets.token_hex(16)


def new_password() -> str:
    return secrets.token_urlsafe(12)


class Accounts:
    """The accounts stored in one database. Every change, and every failed login, is recorded in the audit
    trail in the transaction that makes it; `actor` is who asks for the change (default: this program)."""

    def __init__(self, database: Database, *, clock: Clock | None = None,
                 throttling: Throttling | None = None) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.throttling = throttling or Throttling()

    # --- managing accounts (the `user` commands) ---------------------------------------------------

    def _audit(self, session: Session, actor: Actor, action: str, detail: dict[str, object]) -> None:
        audit.record(session.connection(), self.database.encryption, self.clock.now(), actor, action, detail=detail)

    def add(self, name: str, password: str, *, role: str = "user", groups: tuple[str, ...] = (),
            actor: Actor = PROGRAM) -> Account:
        if not _NAME.fullmatch(name):
            raise InvalidInput(f"'{name}' is not a valid user name: use letters, digits and . _ @ -")
        if role not in ROLES:
            raise InvalidInput(f"'{role}' is not a role; roles are {', '.join(ROLES)}")
        bad = [g for g in groups if not _NAME.fullmatch(g)]
        if bad:
            raise InvalidInput(f"'{bad[0]}' is not a valid group name: use letters, digits and . _ @ -")
        _check_password(password)
        with self.database.session() as session:
            row = User(name=name, password_hash=generate_password_hash(password), role=role,
                       groups=",".join(dict.fromkeys(groups)), active=True, session_stamp=_stamp())
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict(f"there is already a user named '{name}'") from None
            self._audit(session, actor, "account.add", {"user": name, "role": role, "groups": list(groups)})
            session.commit()
            return _account(row)

    def set_password(self, name: str, password: str, *, actor: Actor = PROGRAM) -> None:
        """A new password; it also ends every web session of the account."""
        _check_password(password)
        with self.database.session() as session:
            row = self._row(session, name)
            row.password_hash = generate_password_hash(password)
            row.session_stamp = _stamp()
            self._audit(session, actor, "account.password", {"user": name})
            session.commit()

    def disable(self, name: str, *, actor: Actor = PROGRAM) -> None:
        """The account can no longer log in or use its API token; its sessions end now. `enable` undoes it."""
        with self.database.session() as session:
            row = self._row(session, name)
            row.active = False
            row.session_stamp = _stamp()
            self._audit(session, actor, "account.disable", {"user": name})
            session.commit()

    def enable(self, name: str, *, actor: Actor = PROGRAM) -> None:
        with self.database.session() as session:
            self._row(session, name).active = True
            self._audit(session, actor, "account.enable", {"user": name})
            session.commit()

    def remove(self, name: str, *, actor: Actor = PROGRAM) -> None:
        """Delete the account: its sessions and token stop working; tasks keep the name they were assigned to."""
        with self.database.session() as session:
            session.delete(self._row(session, name))
            session.execute(delete(LoginFailure).where(LoginFailure.key == _failure_key("name", name)))
            self._audit(session, actor, "account.remove", {"user": name})
            session.commit()

    def new_token(self, name: str, *, topics: tuple[str, ...] | None = None, actor: Actor = PROGRAM) -> str:
        """A new API token for `name`; it replaces the previous one and is shown only now. With `topics`, the
        token fetches and acts on external tasks of those topics only (`runtime.permissions`)."""
        if topics is not None:
            topics = tuple(dict.fromkeys(topics))
            bad = [t for t in topics if not t or "," in t or len(t) > 255 or "\x00" in t]
            if bad or not topics:
                raise InvalidInput("a topic has 1 to 255 characters and no comma")
        token = "bpr_" + secrets.token_urlsafe(32)
        with self.database.session() as session:
            row = self._row(session, name)
            row.api_token_hash = _token_hash(token)
            row.api_token_topics = ",".join(topics) if topics is not None else None
            self._audit(session, actor, "account.token", {"user": name, "topics": list(topics) if topics else None})
            session.commit()
        return token

    def get(self, name: str) -> Account:
        """The account named `name`; NotFound otherwise."""
        with self.database.session() as session:
            return _account(self._row(session, name))

    def all(self) -> list[Account]:
        with self.database.session() as session:
            return [_account(r) for r in session.execute(select(User).order_by(User.name)).scalars()]

    def count(self) -> int:
        with self.database.session() as session:
            return session.execute(select(func.count()).select_from(User)).scalar_one()

    # --- who is calling (the web app) --------------------------------------------------------------

    def authenticate(self, name: str, password: str, address: str) -> Account | None:
        """The account when `name` and `password` match; None when they do not. Raises LoginThrottled, before
        the password is looked at, while the name or the client `address` is locked out."""
        keys = {_failure_key("name", name): self.throttling.account_failures,
                _failure_key("address", address): self.throttling.address_failures}
        now = self.clock.now()
        with self.database.session() as session:
            locks = session.execute(select(LoginFailure.locked_until).where(
                LoginFailure.key.in_(keys), LoginFailure.locked_until.is_not(None))).scalars().all()
            row = session.execute(select(User).where(User.name == name)).scalar_one_or_none() \
                if _NAME.fullmatch(name) else None
        wait = max(((_utc(until) - now).total_seconds() for until in locks if until), default=0.0)
        if wait > 0:
            raise LoginThrottled(wait)
        # The hash is checked outside any transaction: it is slow on purpose and must not hold a lock.
        if row is not None and row.active and len(password) <= MAX_PASSWORD:
            matches = check_password_hash(row.password_hash, password)
        else:
            check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD])  # as slow as a real check
            matches = False
        with self.database.session() as session:
            if not matches or row is None:
                for key, threshold in keys.items():
                    self._count_failure(session, key, threshold, now)
                self._audit(session, Actor.person(name, via="web login"), "login.failed", {"address": address})
                session.commit()
                return None
            session.execute(delete(LoginFailure).where(LoginFailure.key == _failure_key("name", name)))
            stored = session.get(User, row.id)
            if stored is None or not stored.active:  # removed or disabled while the password was checked
                session.commit()
                return None
            if not stored.session_stamp:  # an account made before stamps existed
                stored.session_stamp = _stamp()
            session.commit()
            return _account(stored)

    def _count_failure(self, session: Session, key: str, threshold: int, now: datetime) -> None:
        """One more failure for `key`; past `threshold` failures it locks `key` out for a doubling while."""
        rules = self.throttling
        row = session.get(LoginFailure, key, with_for_update=not self.database.is_sqlite)
        if row is None:
            row = LoginFailure(key=key, failures=0, last_failed_at=now)
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # another process counted a failure for it at the same moment
                row = session.get(LoginFailure, key, with_for_update=not self.database.is_sqlite,
                                  populate_existing=True)
                assert row is not None
        if (now - _utc(row.last_failed_at)).total_seconds() > rules.forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        over = row.failures - threshold
        row.locked_until = now + timedelta(seconds=min(rules.first_lockout * 2 ** min(over, 30), rules.max_lockout)) \
            if over >= 0 else None
        # Counts nobody added to for a while are dropped, so guessing many names leaves no lasting rows.
        session.execute(delete(LoginFailure).where(
            LoginFailure.last_failed_at < now - timedelta(seconds=max(rules.forget_after, rules.max_lockout)),
            LoginFailure.key != key))

    def by_session(self, account_id: int, stamp: str) -> Account | None:
        """The active account a web session belongs to, while the session's stamp is still the account's."""
        with self.database.session() as session:
            row = session.get(User, account_id)
            if row is None or not row.active or not stamp or not secrets.compare_digest(row.session_stamp, stamp):
                return None
            return _account(row)

    def end_sessions(self, account_id: int) -> None:
        """End every web session of the account, on every device (logging out does this)."""
        with self.database.session() as session:
            row = session.get(User, account_id)
            if row is not None:
                row.session_stamp = _stamp()
                session.commit()

    def session_secret(self) -> str:
        """The key that signs web sessions, made once and kept in the database for every node to share."""
        with self.database.session() as session:
            row = session.get(Setting, SESSION_SECRET)
            if row is not None:
                return row.value
            value = secrets.token_hex(32)
            session.add(Setting(name=SESSION_SECRET, value=value))
            try:
                session.commit()
            except IntegrityError:  # another node made it first: use theirs
                session.rollback()
                theirs = session.get(Setting, SESSION_SECRET)
                assert theirs is not None, "the insert failed because the row exists"
                return theirs.value
            return value

    def by_token(self, token: str) -> Account | None:
        """The active account whose API token this is: read on every API request, so in one statement of its
        own (`Database.reading`), compiled once for the driver."""
        with self.database.reading() as connection:
            row = _BY_TOKEN.one_or_none(connection, {"token_hash": _token_hash(token)})
        return _account(_AccountRow(*row)) if row is not None else None

    @staticmethod
    def _row(session: Session, name: str) -> User:
        row = session.execute(select(User).where(User.name == name)).scalar_one_or_none() \
            if _NAME.fullmatch(name) else None
        if row is None:
            raise NotFound(f"there is no user named '{name}'")
        return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password is too long: use at most {MAX_PASSWORD} characters")
