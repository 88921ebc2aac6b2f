"""In a real browser against `bpmn-runtime serve`: a refused form marks each problem on its own field (the
message beside it, aria-invalid, described by the message), puts the focus on the first, and keeps the list
at the top for screen readers, with a link to each field; on the console's start form and the inbox's task
form alike."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import WEB_PROCESSES, Server
from tests.web.test_browser import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, log_in_page, server  # noqa: F401

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@pytest.fixture
def example_dir(example_dir: Path) -> Path:
    """The example folder with a process whose start event and user task have forms that check values."""
    shutil.copy(WEB_PROCESSES / "form_errors.bpmn", example_dir / "processes" / "form_errors.bpmn")
    return example_dir


def _refused(page: "Page", outcome: str, problems: dict[str, tuple[str, str]]) -> None:
    """The form was refused: the list at the top links to each field with a problem, each such field is
    marked invalid and described by the message beside it, and the first has the focus."""
    from playwright.sync_api import expect
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(outcome)
    expect(summary.get_by_role("link")).to_have_text([f"{label} {message}" for label, message in problems.values()])
    for field, (_, message) in problems.items():
        control = page.locator(f"#field-{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#error-{field}")).to_have_text(message)
        described = control.evaluate(
            "node => (node.closest('fieldset.choices') || node).getAttribute('aria-describedby')")
        assert f"error-{field}" in described.split(), described
    first, *others = problems
    expect(page.locator(f"#field-{first}")).to_be_focused()
    for field in others:
        expect(page.locator(f"#field-{field}")).not_to_be_focused()


def test_each_problem_is_marked_on_its_field_and_the_first_takes_the_focus(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
        log_in_page(page, server.url, "admin", ADMIN_PASSWORD)

        page.goto(f"{server.url}/console/deployments")
        page.get_by_role("link", name="Expense claim").first.click()
        page.get_by_label("Amount").fill("900")
        page.get_by_role("button", name="Start instance").click()
        _refused(page, "nothing was started", {"title": ("Title:", "This field is required"),
                                               "amount": ("Amount:", "Must be at most 500")})
        expect(page.get_by_label("Amount")).to_have_value("900")
        page.keyboard.type("Train to Lyon")  # where the focus is: the first field with a problem
        page.get_by_label("Amount").fill("120")
        page.get_by_role("button", name="Start instance").click()
        expect(page.locator(".flash")).to_contain_text("Started instance")
        expect(page.locator("[aria-invalid]")).to_have_count(0)

        page.goto(f"{server.url}/tasks")
        page.get_by_role("link", name="Decide on the claim").first.click()
        page.get_by_label("Reason").fill("far too long a reason")
        page.get_by_role("button", name="Complete task").click()
        _refused(page, "nothing was saved", {"approved": ("Approve the claim?", "Choose yes or no"),
                                             "reason": ("Reason:", "Use at most 10 characters")})
        page.get_by_role("alert").get_by_role("link", name="Reason: Use at most 10 characters").click()
        expect(page).to_have_url(f"{page.url.split('#')[0]}#field-reason")
        page.get_by_label("Reason").fill("receipt")
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Complete task").click()
        expect(page.locator(".flash")).to_contain_text("'Decide on the claim' is completed")
        browser.close()
