"""Encryption at rest: the values an instance holds (its state document, with every variable and form value),
history payloads and audit details are stored as AES-GCM ciphertexts when a key is configured.

A stored value reads `enc:v1:<key id>:<base64 of salt, nonce, ciphertext and tag>`. The key id (the first
8 hex digits of the key's SHA-256) says which key opens it, so keys can be rotated: the current key seals,
every configured key opens, and `rotate-key` re-seals old values in batches while the engine runs.

AES-GCM with random 96-bit nonces may seal about 2**32 values under one key before a nonce is likely to
repeat. So nothing is sealed with the configured key itself: each process derives a fresh subkey (HKDF with
a random 16-byte salt, kept in every value it seals) and derives another after 2**28 values; a reader
derives a value's subkey from its salt once and keeps it.

Every value is sealed with associated data naming the row it belongs to (`instance_state`, `history_data`,
`audit_detail`), so a ciphertext copied into another row, or another column, does not open.

Business keys, process keys, statuses, ids, times, task names and assignees, topics, correlation keys and
error messages stay clear: queries filter and sort on them.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bpmn_runtime.errors import BpmnRuntimeError

PREFIX = "enc:v1:"
KEY_ENV = "BPMN_RUNTIME_ENCRYPTION_KEY"
KEY_FILE_ENV = "BPMN_RUNTIME_ENCRYPTION_KEY_FILE"
OLD_KEYS_ENV = "BPMN_RUNTIME_ENCRYPTION_OLD_KEYS"
KEY_BYTES = 32  # AES-256
SALT_BYTES = 16
NONCE_BYTES = 12
SUBKEY_USES = 2**28  # values one subkey seals before the process derives the next
SUBKEYS_KEPT = 1024  # subkeys a reader keeps (one per writer process start, in practice)
_INFO = b"bpmn-runtime value key v1"


class EncryptionError(BpmnRuntimeError):
    """A key is malformed or missing, or a stored value cannot be opened with the keys configured."""


def new_key() -> str:
    """A new random key, as `bpmn-runtime new-key` prints it (URL-safe base64 of 32 bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii").rstrip("=")


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def parse_key(text: str) -> bytes:
    """The 32 bytes of a key as `new-key` prints it; EncryptionError saying what is wrong otherwise."""
    cleaned = text.strip()
    try:
        key = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise EncryptionError("an encryption key must be 32 bytes in URL-safe base64, as `bpmn-runtime new-key` "
                              "prints it (43 characters)")
    return key


def instance_state(instance_id: int) -> str:
    """The associated data of an instance's state document: its row."""
    return f"instances.state|{instance_id}"


def state_row(instance_id: int, kind: str, key: int) -> str:
    """The associated data of one row of a large instance state (see `runtime.stored_state`): its place."""
    return f"state_rows.data|{instance_id}|{kind}|{key}"


def history_data(instance_id: int, kind: str, element_id: str | None, activity_instance: int | None) -> str:
    """The associated data of a history row's payload: the instance, event and element it belongs to (its id
    is made by the multi-row insert of a step, so the row's own clear columns name it)."""
    return f"history.data|{instance_id}|{kind}|{element_id or ''}|{'' if activity_instance is None else activity_instance}"


def buffered_message(name: str, correlation_key: str | None) -> str:
    """The associated data of a buffered message's variables: the message name and correlation key it waits
    under."""
    return f"buffered_messages.variables|{name}|{correlation_key or ''}"


def audit_detail(at: datetime, actor: str, action: str, process_key: str | None, instance_id: int | None,
                 task_id: int | None) -> str:
    """The associated data of an audit entry's detail: its time, actor, action and what it was about."""
    moment = at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at  # SQLite gives times back naive
    return (f"audit_log.detail|{moment.isoformat()}|{actor}|{action}|{process_key or ''}|"
            f"{'' if instance_id is None else instance_id}|{'' if task_id is None else task_id}")


@dataclass
class _Subkey:
    cipher: AESGCM
    salt: bytes
    uses: int = 0


class Encryption:
    """Seals and opens stored values. Without keys it stores them as they are (and opens only clear ones)."""

    def __init__(self, current: bytes | None = None, others: tuple[bytes, ...] = ()) -> None:
        keys = ([current] if current is not None else []) + list(others)
        self._keys: dict[str, bytes] = {key_id(key): key for key in keys}
        self.current_id = key_id(current) if current is not None else None
        self._writer: _Subkey | None = None
        self._readers: OrderedDict[tuple[str, bytes], AESGCM] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Values are sealed: a current key is configured."""
        return self.current_id is not None

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> "Encryption":
        """The keys of BPMN_RUNTIME_ENCRYPTION_KEY (the current key) or BPMN_RUNTIME_ENCRYPTION_KEY_FILE (one
        key a line: the first is current, the others only open older values), and
        BPMN_RUNTIME_ENCRYPTION_OLD_KEYS (keys separated by commas that only open older values)."""
        env = os.environ if environment is None else environment
        lines: list[str] = []
        if env.get(KEY_FILE_ENV):
            path = Path(env[KEY_FILE_ENV]).expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise EncryptionError(f"cannot read the key file {path} ({KEY_FILE_ENV}): {error.strerror}") from None
            lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
            if not lines:
                raise EncryptionError(f"the key file {path} ({KEY_FILE_ENV}) holds no key")
        if env.get(KEY_ENV):
            if lines:
                raise EncryptionError(f"set {KEY_ENV} or {KEY_FILE_ENV}, not both")
            lines = [env[KEY_ENV]]
        others = [part for part in env.get(OLD_KEYS_ENV, "").split(",") if part.strip()]
        if not lines and others:
            raise EncryptionError(f"{OLD_KEYS_ENV} is set without a current key ({KEY_ENV} or {KEY_FILE_ENV})")
        if not lines:
            return cls()
        return cls(parse_key(lines[0]), tuple(parse_key(text) for text in lines[1:] + others))

    # --- sealing and opening ------------------------------------------------------------------------

    def seal(self, text: str, context: str) -> str:
        """`text` as it is stored: sealed with the current key and `context` as associated data, or as it is
        when no key is configured."""
        if self.current_id is None:
            return text
        with self._lock:
            writer = self._writer
            if writer is None or writer.uses >= SUBKEY_USES:
                salt = secrets.token_bytes(SALT_BYTES)
                writer = self._writer = _Subkey(self._derive(self._keys[self.current_id], salt), salt)
            writer.uses += 1
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = writer.cipher.encrypt(nonce, text.encode("utf-8", "surrogatepass"), context.encode("utf-8"))
        payload = base64.b64encode(writer.salt + nonce + sealed).decode("ascii")
        return f"{PREFIX}{self.current_id}:{payload}"

    def open(self, stored: str, context: str) -> str:
        """The text of a stored value (sealed or clear); EncryptionError when its key is not configured or it
        was altered or moved from another row."""
        if not stored.startswith(PREFIX):
            return stored
        ident, _, payload = stored[len(PREFIX):].partition(":")
        key = self._keys.get(ident)
        if key is None:
            raise EncryptionError(f"a stored value is sealed with key {ident}, which is not configured "
                                  f"({KEY_ENV}, {KEY_FILE_ENV} or {OLD_KEYS_ENV})")
        try:
            raw = base64.b64decode(payload, validate=True)
            salt, nonce, sealed = raw[:SALT_BYTES], raw[SALT_BYTES:SALT_BYTES + NONCE_BYTES], \
                raw[SALT_BYTES + NONCE_BYTES:]
            opened = self._reader(ident, key, salt).decrypt(nonce, sealed, context.encode("utf-8"))
        except (binascii.Error, ValueError, InvalidTag):
            raise EncryptionError(f"a stored value sealed with key {ident} cannot be opened: it was altered, or "
                                  f"copied from another row ({context.split('|', 1)[0]})") from None
        return opened.decode("utf-8", "surrogatepass")

    def is_current(self, stored: str | None) -> bool:
        """The value is stored as this configuration stores new values (so `rotate-key` leaves it)."""
        if stored is None:
            return True
        if self.current_id is None:
            return not stored.startswith(PREFIX)
        return stored.startswith(f"{PREFIX}{self.current_id}:")

    def _reader(self, ident: str, key: bytes, salt: bytes) -> AESGCM:
        with self._lock:
            cipher = self._readers.get((ident, salt))
            if cipher is not None:
                self._readers.move_to_end((ident, salt))
                return cipher
        cipher = self._derive(key, salt)
        with self._lock:
            self._readers[(ident, salt)] = cipher
            while len(self._readers) > SUBKEYS_KEPT:
                self._readers.popitem(last=False)
        return cipher

    @staticmethod
    def _derive(key: bytes, salt: bytes) -> AESGCM:
        return AESGCM(HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=_INFO).derive(key))


NO_ENCRYPTION = Encryption()
