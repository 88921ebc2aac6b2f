"""The people and programs that may use the inbox, console and API: accounts, passwords, roles, tokens.

Passwords are kept as salted werkzeug hashes. API tokens are long random strings, so an unsalted
SHA-256 of the token is enough to store and lets a request's token be looked up directly.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bpmn_runtime.errors import Conflict, InvalidInput, NotFound
from bpmn_runtime.store.database import Database
from bpmn_runtime.store.tables import User

ROLES = ("admin", "operator", "user")
MIN_PASSWORD = 8
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

    @property
    def is_operator(self) -> bool:
        """Operators and administrators run the console: deploy, start, cancel, retry."""
        return self.role in ("admin", "operator")


def _account(row: User) -> Account:
    return Account(row.id, row.name, row.role, tuple(g for g in row.groups.split(",") if g))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)


class Users:
    """The accounts stored in one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, name: str, password: str, *, role: str = "user", groups: tuple[str, ...] = ()) -> Account:
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
                       groups=",".join(dict.fromkeys(groups)), active=True)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise Conflict(f"there is already a user named '{name}'") from None
            return _account(row)

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with self.database.session() as session:
            row = self._row(session, name)
            row.password_hash = generate_password_hash(password)
            session.commit()

    def all(self) -> list[Account]:
        with self.database.session() as session:
            return [_account(r) for r in session.execute(select(User).order_by(User.name)).scalars()]

    def count(self) -> int:
        with self.database.session() as session:
            return session.execute(select(func.count()).select_from(User)).scalar_one()

    def get(self, user_id: int) -> Account | None:
        """The active account with this id (a session of a removed or disabled account ends)."""
        with self.database.session() as session:
            row = session.get(User, user_id)
            return _account(row) if row is not None and row.active else None

    def authenticate(self, name: str, password: str) -> Account | None:
        with self.database.session() as session:
            row = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if row is None or not row.active:
            check_password_hash(_DUMMY_HASH, password)
            return None
        return _account(row) if check_password_hash(row.password_hash, password) else None

    def new_token(self, name: str) -> str:
        """A new API token for `name`; it replaces the previous one and is shown only now."""
        token = "bpr_" + secrets.token_urlsafe(32)
        with self.database.session() as session:
            self._row(session, name).api_token_hash = _token_hash(token)
            session.commit()
        return token

    def by_token(self, token: str) -> Account | None:
        with self.database.session() as session:
            row = session.execute(select(User).where(User.api_token_hash == _token_hash(token),
                                                     User.active.is_(True))).scalar_one_or_none()
            return _account(row) if row is not None else None

    @staticmethod
    def _row(session: Session, name: str) -> User:
        row = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"there is no user named '{name}'")
        return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password is too short: use at least {MIN_PASSWORD} characters")
