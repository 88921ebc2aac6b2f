"""The pages' filters, sorting, paging and forms with any text a visitor can put in an address or a form:
a page or a plain 4xx, never a 500 (the API has its own fuzz test, driven by its OpenAPI document)."""
from __future__ import annotations

import os
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmn_runtime.runtime import Runtime
from tests.web.conftest import Person

EXAMPLES = int(os.environ.get("BPMN_RUNTIME_FUZZ_EXAMPLES", "25"))
ARGUMENTS = ("page", "q", "process", "status", "sort", "business_key", "all", "next", "_method", "_external",
             "_anchor", "_scheme")
TEXT = st.one_of(st.text(max_size=40), st.from_regex(r"-?[0-9]{1,30}", fullmatch=True),
                 st.sampled_from(["²", "\x00", "9" * 5000, "POST", "1e400", "javascript:x", "//evil"]))
QUERIES = st.dictionaries(st.sampled_from(ARGUMENTS), TEXT, max_size=4)
FORMS = st.dictionaries(st.sampled_from(("business_key", "name_0", "value_0", "reason", "retries", "comment", "cancel",
                                         "start_before", "start_after", "name", "type", "value", "version", "mapping",
                                         "dry_run")), TEXT, max_size=4)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25, database=None,
                suppress_health_check=list(HealthCheck))


def test_list_pages_take_any_query(olga: Person, runtime: Runtime) -> None:
    runtime.start("order-fulfilment", {"amount": 1})

    @FUZZ
    @given(path=st.sampled_from(["/tasks", "/console/instances", "/console/incidents", "/console/deployments",
                                 "/login"]), query=QUERIES)
    def visit(path: str, query: dict[str, str]) -> None:
        answer = olga.get(f"{path}?{urlencode(query)}")
        assert answer.status_code < 500, (path, query)
        assert "Traceback" not in answer.text

    visit()


def test_console_forms_take_any_text(olga: Person, runtime: Runtime) -> None:
    instance_id = runtime.start("order-fulfilment", {"amount": 1})
    definition = runtime.queries.definitions()[0]["id"]

    @FUZZ
    @given(path=st.sampled_from([f"/console/definitions/{definition}/start", f"/console/instances/{instance_id}/cancel",
                                 "/console/incidents/1/retry", f"/console/instances/{instance_id}/modify",
                                 f"/console/instances/{instance_id}/migrate"]), form=FORMS, query=QUERIES)
    def send(path: str, form: dict[str, str], query: dict[str, str]) -> None:
        answer = olga.post(f"{path}?{urlencode(query)}", form)
        assert answer.status_code < 500, (path, form, query)

    send()
