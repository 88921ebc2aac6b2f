"""`bpmn-runtime message` through click's CliRunner on a real SQLite file: without --ttl it correlates (and
refuses a message nobody waits for); with --ttl it publishes as Zeebe does and the message waits for its
instance."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bpmn_runtime.cli import main
from bpmn_runtime.runtime import Runtime
from tests.web.conftest import WEB_PROCESSES


def test_message_with_a_time_to_live_is_buffered_for_the_instance_that_comes(tmp_path: Path) -> None:
    db = str(tmp_path / "engine.db")
    runtime = Runtime(f"sqlite:///{db}")
    runtime.deploy(WEB_PROCESSES / "events.bpmn")
    refused = CliRunner().invoke(main, ["--db", db, "message", "payment-received"])
    assert refused.exit_code != 0 and "no instance waits for message 'payment-received'" in refused.output
    no_ttl = CliRunner().invoke(main, ["--db", db, "message", "payment-received", "--message-id", "pay-1"])
    assert no_ttl.exit_code != 0 and "--message-id needs --ttl" in no_ttl.output
    kept = CliRunner().invoke(main, ["--db", db, "message", "payment-received", "--ttl", "PT1H",
                                     "--message-id", "pay-1", "--var", "paid=12"])
    assert kept.exit_code == 0, kept.output
    assert "message payment-received buffered for PT1H" in kept.output
    twice = CliRunner().invoke(main, ["--db", db, "message", "payment-received", "--ttl", "3600",
                                      "--message-id", "pay-1"])
    assert twice.exit_code != 0 and "message id 'pay-1' was already published" in twice.output
    dropped = CliRunner().invoke(main, ["--db", db, "message", "other", "--ttl", "0"])
    assert dropped.exit_code == 0 and "not kept" in dropped.output
    instance_id = runtime.start("events")
    assert runtime.queries.instance(instance_id).variables["paid"] == 12


def test_an_operator_lists_and_discards_buffered_messages(tmp_path: Path) -> None:
    db = str(tmp_path / "engine.db")
    runtime = Runtime(f"sqlite:///{db}")
    runtime.deploy(WEB_PROCESSES / "events.bpmn")
    for message_id in ("pay-1", "pay-2"):
        runtime.publish_message("payment-received", None, {"id": message_id}, ttl="PT1H", message_id=message_id)
    listed = CliRunner().invoke(main, ["--db", db, "buffered-messages", "--name", "payment-received"])
    assert listed.exit_code == 0, listed.output
    first, second = runtime.buffered_messages()
    assert f"buffered message {first.id}: payment-received id 'pay-1' until" in listed.output
    discarded = CliRunner().invoke(main, ["--db", db, "buffered-messages", "--discard", str(first.id)])
    assert discarded.exit_code == 0 and f"buffered message {first.id} discarded" in discarded.output
    again = CliRunner().invoke(main, ["--db", db, "buffered-messages", "--discard", str(first.id)])
    assert again.exit_code != 0 and "it was taken, expired or discarded" in again.output
    assert runtime.buffered_messages() == [second]
    assert runtime.queries.instance(runtime.start("events")).variables["id"] == "pay-2"  # the discarded one is gone
    runtime.publish_message("payment-received", None, {}, ttl="PT1H", message_id="pay-1")  # its id is free again
    assert CliRunner().invoke(main, ["--db", db, "buffered-messages", "--name", "other"]).output == \
        "no buffered messages\n"
