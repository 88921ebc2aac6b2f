"""Twenty models of the real-world corpus run end to end on the real runtime (SQLite file): a catch-all handler
takes every job, each user task is completed with a value for every required form field, timers fire on a
virtual clock. Each must complete having run the jobs and user tasks its diagram leads through, in order (read
off each diagram: its service tasks' job types or topics, its user tasks' ids)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.camunda.corpus_runs import run_model

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real-world"
ZEEBE_QA = "zeebe-process-test/qa__abstracts__src__main__resources__"
# file, process id, files it calls (deployed first), topics run in order, user tasks completed in order
RUNS: list[tuple[str, str, tuple[str, ...], list[str], list[str]]] = [
    ("bpmn-engine-js/test__resources__issue-163.bpmn", "Process_1fh0mrz", (), [],
     ["Activity_1bpb168", "Activity_0xqu0xt", "Activity_0c0569x", "Activity_09fprjg"]),
    ("bpmn-engine-js/test__resources__timer-event.bpmn", "timerProcess", (), [], []),
    ("bpmn-js-examples/deep-linking__resources__nested-subprocesses.bpmn", "rootProcess", (), [],
     ["sid-29B8F97B-1A0D-4280-A62D-5093316C484B", "sid-9E3BA75C-29DD-4DAC-8283-8FDE4E9A6724",
      "sid-3459D5A6-4E18-4133-8362-0418AC9CE830", "sid-E21C867A-7A56-46DD-9A1E-94C02FDB18FB",
      "parallelGateway_withoutContent"]),
    ("c7-examples/multi-tenancy__schema-isolation__src__main__resources__processes__tenant1__tenant1_process.bpmn",
     "tenant1-process", (), [], ["UserTask_1"]),
    ("c7-examples/process-engine-plugin__bpmn-parse-listener__src__main__resources__bpmnParseListenerOnUserTask.bpmn",
     "bpmnParseListenerOnUserTask", (), [], ["Task_1i9jsnp", "Task_01v3a6u"]),
    ("c7-examples/testing__junit5__camunda-bpm-junit-use-engine__src__test__resources__testProcess.bpmn",
     "testProcess", (), [], ["UserTask_1"]),
    ("c7-examples/migration__migrate-on-deployment__src__main__resources__exampleProcess.bpmn", "exampleProcess",
     (), [], ["UserTask_14494ua"]),
    ("c7-examples/testing__junit5__camunda-bpm-junit-assert__src__test__resources__testProcess.bpmn", "testProcess",
     (), [], ["UserTask_1"]),
    ("c7-examples/wildfly__jackson-annotations__src__main__resources__waitingState.bpmn", "waitingProcess", (), [],
     ["Task_0xibf8v"]),
    ("c7-examples/spring-boot-starter__example-webapp-ee__src__main__resources__bpmn__sample.bpmn", "Sample", (), [],
     ["UserTask_1"]),
    ("c8-get-started/process__send-email.bpmn", "send-email", (), ["email"], ["enterMessageTask"]),
    ("flowable/modules__flowable-engine__src__test__resources__org__flowable__examples__bpmn__usertask__"
     "FinancialReportProcess.bpmn", "financialReport", (), [], ["writeReportTask", "verifyReportTask"]),
    ("flowable/st__resources__org__flowable__examples__bpmn__usertask__taskcandidate__TaskCandidateTest."
     "testMultipleCandidateUsers.bpmn", "multipleCandidateUsersExample", (), [], ["theTask"]),
    ("spiff-sample-models/misc__test__simple-multi-instance-examples__mi-script.bpmn", "Process_agrt3x1", (), [], []),
    ("spiff-sample-models/misc__test__e2e-12__E2E-12.bpmn", "Process_whbydau", (), [], []),
    ("zeebe-process-test/examples__src__test__resources__automated-tests.bpmn", "automatedTestsProcess", (),
     ["runTests", "runTests", "runTests"], []),
    (ZEEBE_QA + "multiple-tasks.bpmn", "multiple-tasks", (), ["test", "test", "test"], []),
    ("zeebe-simple-monitor/src__test__resources__orderProcess.bpmn", "order-process", (),
     ["collect-money", "fetch-items", "ship-parcel"], []),
    ("zeebe-simple-monitor/src__test__resources__payment.bpmn", "payment", (), ["payment"], []),
    (ZEEBE_QA + "call-activity.bpmn", "call-activity", (ZEEBE_QA + "start-end.bpmn",), [], []),
    (ZEEBE_QA + "multiple-call-activity.bpmn", "multiple-call-activity",
     (ZEEBE_QA + "start-end.bpmn", ZEEBE_QA + "alternate-start-end.bpmn", ZEEBE_QA + "call-activity.bpmn"), [], []),
]


@pytest.mark.parametrize("name, process_id, called, topics, tasks", RUNS, ids=[run[1] for run in RUNS])
def test_a_corpus_model_runs_to_its_end(tmp_path: Path, name: str, process_id: str, called: tuple[str, ...],
                                        topics: list[str], tasks: list[str]) -> None:
    status, ran, completed = run_model(tmp_path / "run.db", CORPUS / name, process_id,
                                       tuple(CORPUS / path for path in called))
    assert (status, ran, completed) == ("completed", topics, tasks)


def test_twenty_models_run() -> None:
    assert len({run[0] for run in RUNS}) >= 20
