"""Keys, names and ids longer than the columns that store them are refused with a message (on PostgreSQL a
failed INSERT was a 500, or an instance that could not go on)."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError, InvalidInput
from bpmn_runtime.runtime import Runtime
from tests.integrity.models import user_task


def test_overlong_keys_and_names_from_outside_are_refused(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    runtime.deploy(user_task(), "review.bpmn")
    with pytest.raises(InvalidInput, match="the business key is 300 characters long; at most 255 can be stored"):
        runtime.start("review", business_key="b" * 300)
    with pytest.raises(InvalidInput, match="the request key is 256 characters"):
        runtime.start("review", request_key="r" * 256)
    task_id = runtime.queries.instance(runtime.start("review")).tasks[0].id
    with pytest.raises(InvalidInput, match="the user name is 1000 characters long"):
        runtime.assign(task_id, "u" * 1_000)
    with pytest.raises(InvalidInput, match="the file name is 600 characters long; at most 500 can be stored"):
        runtime.deploy(user_task(), "f" * 595 + ".bpmn")


@pytest.mark.parametrize("old, new, message", [
    ('name="Review"', f'name="{"n" * 501}"', "the name is 501 characters; the name of a bpmn:userTask may have at most 500"),
    ('id="review"', f'id="{"p" * 256}"', "the id is 256 characters; ids may have at most 255"),
    ('<bpmn:process id="review"', f'<bpmn:process name="{"n" * 256}" id="review"',
     "the name of a bpmn:process may have at most 255"),
])
def test_overlong_texts_in_a_model_are_refused_at_deployment(old: str, new: str, message: str) -> None:
    runtime = Runtime("sqlite://")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(user_task().decode().replace(old, new, 1).encode(), "long.bpmn")
    assert any(message in p.message for p in refused.value.problems), refused.value.problems
