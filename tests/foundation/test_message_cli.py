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
