"""An operator in a real browser builds a process from nothing in the console's modeler, against the real
`bpmn-runtime serve`: the engine's check marks the service task while it has no topic, the fix clears it, the
diagram is downloaded and deployed, an instance is started and its task completed in the inbox. The page runs
under its Content-Security-Policy, which must refuse nothing the modeler does."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import Server
from tests.web.test_browser import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, server  # noqa: F401 (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

pytestmark = pytest.mark.browser
FORM = json.dumps({"components": [{"type": "textfield", "key": "decision", "label": "Decision",
                                   "validate": {"required": True}}]})
NO_JOB_TYPE = "the task has no job type; enter the topic its workers take (Task definition, Job type)"


def editor_session(playwright: "Playwright", served: Server) -> tuple["Browser", "Page", list[str]]:
    """The browser, and a page where the administrator is logged in, that keeps every error it logs (a script
    error, or something the Content-Security-Policy refused) in the list."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    page = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True).new_page()
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: complaints.append(str(error)))
    page.goto(f"{served.url}/login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return browser, page, complaints


def test_an_operator_models_deploys_and_runs_a_process(server: Server) -> None:
    from playwright.sync_api import Locator, expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, complaints = editor_session(playwright, server)
        page.get_by_role("link", name="Modeler").click()

        status = page.locator("#modeler-status")
        deploy = page.get_by_role("button", name="Deploy")
        expect(page.locator("#modeler-platform")).to_have_text("Camunda 8")
        # the new diagram is a lone start event: a Camunda 8 file leaves its implicit end to Zeebe, which deploys it
        expect(status).to_have_text("No problems: the engine would deploy this diagram.")
        expect(page.locator(".bjs-powered-by")).to_be_visible()  # bpmn.io's licence asks for its watermark

        def shape(element_id: str) -> Locator:
            return page.locator(f'.djs-shape[data-element-id="{element_id}"]')

        def blank_canvas() -> None:
            page.locator(".djs-container svg").first.click(position={"x": 700, "y": 600})

        def append(action: str, name: str, replace_with: str | None = None) -> str:
            """Append to the selected shape from its context pad; the new shape stays selected. Returns its id."""
            page.locator(f'.djs-context-pad [data-action="{action}"]').click()
            page.keyboard.type(name)
            blank_canvas()  # ends the label edit
            created = page.locator(".djs-shape", has_text=name).last
            created.click()
            if replace_with:
                page.locator('.djs-context-pad [data-action="replace"]').click()
                page.locator(f'.djs-popup [data-id="replace-with-{replace_with}"]').click()
            created_id = page.locator(".djs-shape", has_text=name).last.get_attribute("data-element-id")
            assert created_id is not None
            return created_id

        def group(label: str) -> None:
            page.locator(".bio-properties-panel-group-header", has_text=label).first.click()

        shape("StartEvent_1").click()
        review = append("append.append-task", "Review request", "user-task")
        group("Assignment")
        page.get_by_label("Assignee").fill("admin")
        group("Form")
        page.get_by_label("Type").select_option(label="Camunda Form (embedded)")
        page.get_by_label("Form JSON configuration").fill(FORM)
        blank_canvas()  # leaves the panel, so that its last change is saved
        shape(review).click()
        ship = append("append.append-task", "Ship parcel", "service-task")
        append("append.end-event", "Parcel shipped")

        marker = page.locator(f'.djs-overlays[data-container-id="{ship}"] .problem-marker')
        expect(marker).to_have_attribute("title", NO_JOB_TYPE)
        expect(status).to_have_text("1 problem to fix before this diagram can be deployed.")
        expect(deploy).to_be_disabled()
        page.locator("#modeler-problems").get_by_role("button").click()
        expect(shape(ship)).to_have_class(re.compile(r"\bselected\b"))  # the list entry selects the task
        group("Task definition")
        page.get_by_role("textbox", name="Job type").fill("ship-parcel")
        expect(status).to_have_text("No problems: the engine would deploy this diagram.")
        expect(marker).to_have_count(0)

        with page.expect_download() as downloading:
            page.get_by_role("button", name="Download .bpmn").click()
        saved = Path(downloading.value.path()).read_text(encoding="utf-8")
        assert '<zeebe:taskDefinition type="ship-parcel" />' in saved and "Decision" in saved

        deploy.click()
        expect(page.locator(".flash")).to_contain_text("version 1")
        page.get_by_role("button", name="Start instance").click()
        expect(page.locator(".flash")).to_contain_text("Started instance")

        page.get_by_role("link", name="My tasks").click()
        page.get_by_role("link", name="Review request").click()
        page.get_by_label("Decision").fill("send it")
        page.get_by_role("button", name="Complete task").click()
        expect(page.locator(".flash")).to_contain_text("'Review request' is completed")

        page.get_by_role("link", name="Instances").click()
        page.get_by_role("link", name="#1").click()
        expect(page.locator("body")).to_contain_text("ship-parcel")  # waits for a worker of its topic
        expect(page.locator(".kv")).to_contain_text("send it")

        page.get_by_role("link", name="Processes").click()
        page.locator("tr", has_text="Process_").get_by_role("link", name="Edit").click()
        expect(page.locator("#modeler-platform")).to_have_text("Camunda 8")
        expect(status).to_have_text("No problems: the engine would deploy this diagram.")
        expect(shape(ship)).to_be_visible()
        browser.close()
    assert complaints == [], "the modeler runs without errors and within its Content-Security-Policy"
