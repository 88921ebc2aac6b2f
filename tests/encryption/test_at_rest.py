"""Encryption at rest: with a key, no trace of a secret value reaches the database's files (SQLite file and
WAL, PostgreSQL's table and TOAST files and its write-ahead log), whatever path the value took (a start, a form,
a message, an operator setting variables, the audit trail); without a key nothing changes; a value moved to
another row does not open; a node without the key is refused."""
from __future__ import annotations

import uuid
from pathlib import Path
import pytest
from sqlalchemy import create_engine, text

from bpmn_runtime.errors import BpmnRuntimeError
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from bpmn_runtime.store.encryption import (
    KEY_ENV, KEY_FILE_ENV, OLD_KEYS_ENV, Encryption, EncryptionError, key_id, new_key, parse_key,
)

CARDS = Path(__file__).resolve().parents[1] / "audit" / "processes" / "cards.bpmn"
OLGA = Actor.person("olga", role="operator")


def keyed() -> Encryption:
    return Encryption(parse_key(new_key()))


def run_secrets_through(runtime: Runtime, secret: str) -> int:
    """A secret value through every way in: start variables, a form field, a message, set_variables, a
    message kept for an instance to come; the instance ends waiting for its worker. The business key stays
    clear (the scans find it)."""
    runtime.deploy(CARDS)
    instance_id = runtime.start("card-payment", {"card_secret": secret, "note": f"start {secret}"},
                                business_key="order-7731", actor=OLGA)
    task = runtime.queries.instance(instance_id).tasks[0]
    runtime.complete_task(task.id, {"holder": f"holder {secret}", "pin": secret, "approved": True}, actor=OLGA)
    runtime.correlate_message("card-checked", "order-7731", {"checked": f"message {secret}"}, actor=OLGA)
    runtime.set_variables(instance_id, {"fixed": f"operator {secret}"}, actor=OLGA)
    assert runtime.publish_message("card-refunded", "order-7731", {"refund": f"kept {secret}"}, ttl="PT1H",
                                   actor=OLGA).buffered
    return instance_id


def sqlite_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.glob("engine.db*")))


@pytest.fixture
def secret() -> str:
    return f"secret-{uuid.uuid4().hex}"


def test_no_trace_of_a_secret_in_the_sqlite_file(tmp_path: Path, secret: str) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", encryption=keyed())
    instance_id = run_secrets_through(runtime, secret)
    detail = runtime.queries.instance(instance_id)
    assert detail.variables["card_secret"] == secret and detail.variables["pin"] == secret
    assert detail.variables["fixed"] == f"operator {secret}"
    entries, _ = runtime.queries.audit(instance_id=instance_id)
    assert {e.action for e in entries} == {"start", "complete", "message", "set_variables"}
    runtime.close()
    stored = sqlite_bytes(tmp_path)
    assert b"order-7731" in stored, "the scan reads what was written: the business key stays clear"
    assert secret.encode() not in stored
    assert secret[7:].encode() not in stored


def test_without_a_key_nothing_changes(tmp_path: Path, secret: str) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", encryption=Encryption())
    run_secrets_through(runtime, secret)
    with runtime.database.engine.connect() as connection:
        state = connection.execute(text("SELECT state FROM instances")).scalar_one()
    runtime.close()
    assert state.startswith("{") and secret in state
    assert secret.encode() in sqlite_bytes(tmp_path)


@pytest.mark.postgres
def test_no_trace_of_a_secret_in_postgresql(postgres_url: str, secret: str) -> None:
    runtime = Runtime(postgres_url, encryption=keyed())
    run_secrets_through(runtime, secret)
    with runtime.database.engine.connect() as connection:
        rows = " ".join(str(value) for table in ("instances", "history", "audit_log", "user_tasks", "ended_tasks",
                                                 "jobs", "subscriptions", "incidents", "buffered_messages")
                        for row in connection.execute(text(f"SELECT * FROM {table}")) for value in row)
        assert "order-7731" in rows and secret not in rows
        relations = connection.execute(text(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i') "
            "AND pg_relation_filepath(c.oid) IS NOT NULL")).scalars().all()
        connection.execute(text("CHECKPOINT"))
        stored = b"".join(bytes(connection.execute(text("SELECT pg_read_binary_file(:path, 0, "
                                                        "(pg_stat_file(:path)).size)"), {"path": path}).scalar_one())
                          for path in relations)
        wal = connection.execute(text("SELECT pg_walfile_name(pg_current_wal_lsn())")).scalar_one()
        log = bytes(connection.execute(text("SELECT pg_read_binary_file('pg_wal/' || :name)"),
                                       {"name": wal}).scalar_one())
    runtime.close()
    assert b"order-7731" in stored, "the scan reads the table files: the business key stays clear"
    assert secret.encode() not in stored
    assert secret.encode() not in log


def test_a_value_moved_to_another_row_does_not_open(tmp_path: Path) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", encryption=keyed())
    runtime.deploy(CARDS)
    first = runtime.start("card-payment", {"amount": 1})
    second = runtime.start("card-payment", {"amount": 2})
    with runtime.database.engine.begin() as connection:
        connection.execute(text("UPDATE instances SET state = (SELECT state FROM instances WHERE id = :first) "
                                "WHERE id = :second"), {"first": first, "second": second})
    assert runtime.queries.instance(first).variables == {"amount": 1}
    with pytest.raises(EncryptionError, match="copied from another row"):
        runtime.queries.instance(second)
    runtime.close()


def test_a_node_without_the_key_is_refused_and_a_wrong_key_cannot_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    runtime = Runtime(url, encryption=keyed())
    runtime.deploy(CARDS)
    instance_id = runtime.start("card-payment", {"amount": 1})
    runtime.close()
    with pytest.raises(EncryptionError, match="this database stores values encrypted"):
        Runtime(url, encryption=Encryption())
    other = Runtime(url, encryption=keyed())
    with pytest.raises(EncryptionError, match="sealed with key .* which is not configured"):
        other.queries.instance(instance_id)
    other.close()


def test_keys_come_from_the_environment_or_a_key_file(tmp_path: Path) -> None:
    current, old = new_key(), new_key()
    assert Encryption.from_environment({}).enabled is False
    from_env = Encryption.from_environment({KEY_ENV: current, OLD_KEYS_ENV: old})
    assert from_env.current_id == key_id(parse_key(current)) and len(from_env.key_ids) == 2
    key_file = tmp_path / "keys"
    key_file.write_text(f"# the first key seals, the others only open\n{current}\n\n{old}\n")
    from_file = Encryption.from_environment({KEY_FILE_ENV: str(key_file)})
    assert from_file.current_id == from_env.current_id and from_file.key_ids == from_env.key_ids
    for environment, message in (({KEY_ENV: "too-short"}, "32 bytes in URL-safe base64"),
                                 ({KEY_FILE_ENV: str(tmp_path / "missing")}, "cannot read the key file"),
                                 ({KEY_ENV: current, KEY_FILE_ENV: str(key_file)}, "not both"),
                                 ({OLD_KEYS_ENV: old}, "without a current key")):
        with pytest.raises(EncryptionError, match=message):
            Encryption.from_environment(environment)
    assert issubclass(EncryptionError, BpmnRuntimeError)


def test_sealed_values_carry_the_key_id_and_differ_each_time() -> None:
    sealing = keyed()
    first, second = sealing.seal("{}", "instances.state|1"), sealing.seal("{}", "instances.state|1")
    assert first != second and first.startswith(f"enc:v1:{sealing.current_id}:")
    assert sealing.open(first, "instances.state|1") == "{}"
    with pytest.raises(EncryptionError):
        sealing.open(first, "instances.state|2")
    tampered = first[:-6] + ("A" if first[-6] != "A" else "B") + first[-5:]
    with pytest.raises(EncryptionError):
        sealing.open(tampered, "instances.state|1")


def test_the_raw_engine_column_holds_only_ciphertext(tmp_path: Path) -> None:
    sealing = keyed()
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", encryption=sealing)
    run_secrets_through(runtime, "value")
    engine = create_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    with engine.connect() as connection:
        columns = [value for query in ("SELECT state FROM instances", "SELECT data FROM history WHERE data IS NOT NULL",
                                       "SELECT detail FROM audit_log WHERE detail IS NOT NULL")
                   for value in connection.execute(text(query)).scalars()]
    engine.dispose()
    runtime.close()
    assert columns and all(value.startswith(f"enc:v1:{sealing.current_id}:") for value in columns)
