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

from tests.dmn.models import decision, literal, model

from tests.web.conftest import Server
from tests.web.test_browser import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, server  # noqa: F401 (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright

pytestmark = pytest.mark.browser
FORM = json.dumps({"components": [{"type": "textfield", "key": "decision", "label": "Decision",
                                   "validate": {"required": True}}]})
NO_PROBLEMS = "No problems: the engine would deploy this diagram."
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


def diagram_shape(page: "Page", element_id: str) -> "Locator":
    return page.locator(f'.djs-shape[data-element-id="{element_id}"]')


def click_blank_canvas(page: "Page") -> None:
    page.locator(".djs-container svg").first.click(position={"x": 700, "y": 600})


def append_shape(page: "Page", action: str, name: str, replace_with: str | None = None) -> str:
    """Append to the selected shape from its context pad; the new shape stays selected. Returns its id."""
    page.locator(f'.djs-context-pad [data-action="{action}"]').click()
    page.keyboard.type(name)
    click_blank_canvas(page)  # ends the label edit
    created = page.locator(".djs-shape", has_text=name).last
    created.click()
    if replace_with:
        page.locator('.djs-context-pad [data-action="replace"]').click()
        page.locator(f'.djs-popup [data-id="replace-with-{replace_with}"]').click()
    created_id = page.locator(".djs-shape", has_text=name).last.get_attribute("data-element-id")
    assert created_id is not None
    return created_id


def open_group(page: "Page", label: str) -> None:
    page.locator(".bio-properties-panel-group-header", has_text=label).first.click()


def test_an_operator_models_deploys_and_runs_a_process(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, complaints = editor_session(playwright, server)
        page.get_by_role("link", name="Modeler").click()

        status = page.locator("#modeler-status")
        deploy = page.get_by_role("button", name="Deploy")
        expect(page.locator("#modeler-platform")).to_have_text("Camunda 8")
        # the new diagram is a lone start event; made for Camunda 8, it keeps that engine's implicit end (EXT.101/105)
        expect(status).to_have_text(NO_PROBLEMS)
        expect(page.locator(".bjs-powered-by")).to_be_visible()  # bpmn.io's licence asks for its watermark

        def shape(element_id: str) -> Locator:
            return diagram_shape(page, element_id)

        def blank_canvas() -> None:
            click_blank_canvas(page)

        def append(action: str, name: str, replace_with: str | None = None) -> str:
            return append_shape(page, action, name, replace_with)

        def group(label: str) -> None:
            open_group(page, label)

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
        expect(status).to_have_text(NO_PROBLEMS)
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
        expect(status).to_have_text(NO_PROBLEMS)
        expect(shape(ship)).to_be_visible()
        browser.close()
    assert complaints == [], "the modeler runs without errors and within its Content-Security-Policy"


CARRIER_DMN = model(decision("carrier", literal('"parcel post"'), name="Carrier"))


def deploy_carrier_decision(page: "Page", served: Server, folder: Path) -> None:
    """Upload carrier.dmn in the console, as an operator deploys the decision before the process calling it."""
    from playwright.sync_api import expect

    dmn = folder / "carrier.dmn"
    dmn.write_bytes(CARRIER_DMN)
    page.goto(f"{served.url}/console/deployments")
    page.set_input_files("#file", str(dmn))
    page.get_by_role("button", name="Deploy").click()
    expect(page.locator(".flash")).to_contain_text("Carrier (carrier) version 1")


def test_a_business_rule_task_gets_its_decision_in_the_panel_and_the_instance_runs_it(server: Server,
                                                                                      tmp_path: Path) -> None:
    """Camunda 8: the business rule task's Implementation offers the DMN decision; the engine's check marks the
    task while its decision ID is missing, the panel offers no binding type (the engine calls the latest version
    only), and the deployed process's instance evaluates the decision deployed before it."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, complaints = editor_session(playwright, server)
        deploy_carrier_decision(page, server, tmp_path)
        page.get_by_role("link", name="Modeler").click()
        status = page.locator("#modeler-status")
        expect(status).to_have_text(NO_PROBLEMS)
        diagram_shape(page, "StartEvent_1").click()
        rule = append_shape(page, "append.append-task", "Pick carrier", "rule-task")
        open_group(page, "Implementation")
        page.get_by_label("Implementation").select_option(label="DMN decision")
        append_shape(page, "append.append-task", "Book carrier", "user-task")
        append_shape(page, "append.end-event", "Carrier booked")

        marker = page.locator(f'.djs-overlays[data-container-id="{rule}"] .problem-marker')
        expect(marker.first).to_have_attribute("title", re.compile("decisionId"))
        expect(page.locator("#modeler-problems")).to_contain_text("resultVariable")
        diagram_shape(page, rule).click()
        open_group(page, "Called decision")
        expect(page.get_by_label("Binding")).to_have_count(0)
        expect(page.get_by_label("Version tag")).to_have_count(0)
        page.get_by_role("textbox", name="Decision ID").fill("carrier")
        page.get_by_role("textbox", name="Result variable").fill("chosen")
        expect(status).to_have_text(NO_PROBLEMS)
        expect(marker).to_have_count(0)

        page.get_by_role("button", name="Deploy").click()
        expect(page.locator(".flash")).to_contain_text("version 1")
        page.get_by_role("button", name="Start instance").click()
        expect(page.locator(".flash")).to_contain_text("Started instance")  # and shows the instance
        expect(page.locator("body")).to_contain_text("Book carrier")  # past the decision, at the user task
        expect(page.locator(".kv")).to_contain_text("parcel post")
        browser.close()
    assert complaints == [], "the modeler runs without errors and within its Content-Security-Policy"


def test_a_camunda_7_business_rule_task_offers_the_decision_bindings_the_engine_runs(server: Server,
                                                                                    tmp_path: Path) -> None:
    """Camunda 7: the Implementation select offers the DMN decision or a topic (no Java); an empty decision
    reference is marked; the binding offers 'latest' and 'version' only, no tenant or version tag; the decision's
    single entry goes to the result variable of the instance."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser, page, complaints = editor_session(playwright, server)
        deploy_carrier_decision(page, server, tmp_path)
        page.get_by_role("link", name="Modeler").click()
        page.get_by_role("link", name="Camunda 7").click()
        expect(page.locator("#modeler-platform")).to_have_text("Camunda 7")
        status = page.locator("#modeler-status")
        expect(status).to_have_text(NO_PROBLEMS)
        diagram_shape(page, "StartEvent_1").click()
        rule = append_shape(page, "append.append-task", "Pick carrier", "rule-task")
        open_group(page, "Implementation")
        implementation = page.get_by_label("Implementation")
        assert implementation.locator("option").all_inner_texts() == ["DMN decision", "External (topic)"]
        implementation.select_option(label="DMN decision")
        marker = page.locator(f'.djs-overlays[data-container-id="{rule}"] .problem-marker')
        expect(marker).to_have_attribute("title", re.compile("names no decision"))

        page.get_by_role("textbox", name="Decision reference").fill("carrier")
        binding = page.get_by_label("Binding")
        assert binding.locator("option").all_inner_texts() == ["latest", "version"]
        expect(page.get_by_label("Tenant ID")).to_have_count(0)
        binding.select_option("version")
        page.get_by_role("textbox", name="Version").fill("1")
        page.get_by_role("textbox", name="Result variable").fill("chosen")
        page.get_by_label("Map decision result").select_option("singleEntry")
        click_blank_canvas(page)  # leaves the panel, so that its last change is saved
        diagram_shape(page, rule).click()
        append_shape(page, "append.append-task", "Book carrier", "user-task")
        append_shape(page, "append.end-event", "Carrier booked")
        expect(status).to_have_text(NO_PROBLEMS)
        expect(marker).to_have_count(0)

        with page.expect_download() as downloading:
            page.get_by_role("button", name="Download .bpmn").click()
        saved = Path(downloading.value.path()).read_text(encoding="utf-8")
        for attribute in ('camunda:decisionRef="carrier"', 'camunda:decisionRefBinding="version"',
                          'camunda:decisionRefVersion="1"', 'camunda:resultVariable="chosen"',
                          'camunda:mapDecisionResult="singleEntry"'):
            assert attribute in saved

        page.get_by_role("button", name="Deploy").click()
        expect(page.locator(".flash")).to_contain_text("version 1")
        page.get_by_role("button", name="Start instance").click()
        expect(page.locator(".flash")).to_contain_text("Started instance")
        expect(page.locator("body")).to_contain_text("Book carrier")
        expect(page.locator(".kv")).to_contain_text("parcel post")
        browser.close()
    assert complaints == [], "the modeler runs without errors and within its Content-Security-Policy"
