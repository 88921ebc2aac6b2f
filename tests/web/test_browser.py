"""A person in a real browser against the real `bpmn-runtime serve`: a manager approves a large order in
the inbox (a wrong form first, then a right one) and an administrator watches the instance move on.

Set BPMN_RUNTIME_SCREENSHOTS=DIR to keep the screenshots of the inbox and of the instance page (the
README's docs/inbox.png and docs/instance.png are made this way).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from tests.web.conftest import Server, run_cli

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ADMIN_PASSWORD = "admin-secret-1"
MANAGER_PASSWORD = "manager-secret-1"
ACTIVE_BLUE = "rgb(21, 101, 192)"  # the diagram's style for an element where a token waits

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is missing")


def log_in_page(page: "Page", url: str, name: str, password: str) -> None:
    """Log in through the login form, as a person does."""
    page.goto(f"{url}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def server(example_dir: Path, tmp_path: Path) -> Iterator[Server]:
    _need_chromium()
    served = Server(example_dir, tmp_path / "serve.db", tmp_path / "serve.log",
                    {"BPMN_RUNTIME_ADMIN_USER": "admin", "BPMN_RUNTIME_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        yield served
    finally:
        served.stop()


def test_a_manager_approves_an_order_and_an_administrator_sees_it_move_on(server: Server, example_dir: Path,
                                                                          tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    startup = server.output()
    assert "deployed: order-fulfilment version 1 from processes/order_fulfilment.bpmn" in startup
    assert "created administrator 'admin'" in startup and ADMIN_PASSWORD not in startup
    db = tmp_path / "serve.db"
    added = run_cli(example_dir, db, "user", "add", "mia", "--group", "managers", "--password", MANAGER_PASSWORD)
    assert "added user mia in group(s) managers" in added
    for amount, key in ((12000, "order-1000"), (5000, "order-1001"), (2500, "order-1002")):
        run_cli(example_dir, db, "start", "order-fulfilment", "--var", f"amount={amount}", "--business-key", key)
    shots = Path(os.environ["BPMN_RUNTIME_SCREENSHOTS"]) if os.environ.get("BPMN_RUNTIME_SCREENSHOTS") else None

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        policy_violations: list[str] = []

        def new_page(width: int = 1280) -> "Page":
            page = browser.new_context(viewport={"width": width, "height": 860}).new_page()
            page.on("console", lambda message: policy_violations.append(message.text)
                    if "Content Security Policy" in message.text else None)
            return page

        def log_in(page: "Page", name: str, password: str) -> None:
            log_in_page(page, server.url, name, password)

        manager = new_page()
        log_in(manager, "mia", MANAGER_PASSWORD)
        expect(manager).to_have_title("My tasks · bpmn-runtime")
        row = manager.locator("tr", has_text="order-1001")
        for _ in range(100):  # the worker thread checks the stock first
            if row.count():
                break
            time.sleep(0.2)
            manager.reload()
        expect(manager.locator("tbody tr")).to_have_count(3)
        if shots:
            manager.screenshot(path=str(shots / "inbox.png"))

        admin = new_page()
        log_in(admin, "admin", ADMIN_PASSWORD)
        admin.goto(f"{server.url}/console/instances?business_key=order-1001")
        admin.get_by_role("link", name="#2").click()
        approval = admin.locator('svg.bpmn-diagram g[data-element-id="Activity_ApproveOrder"]')
        expect(approval).to_have_class("shape kind-userTask state-active")
        outline = approval.locator(".outline").first
        assert outline.evaluate("node => getComputedStyle(node).stroke") == ACTIVE_BLUE, \
            "the diagram's own style applies under the Content-Security-Policy"
        if shots:
            admin.screenshot(path=str(shots / "instance.png"), full_page=True)

        row.get_by_role("button", name="Claim").click()
        expect(manager.locator(".flash")).to_contain_text("You claimed 'Approve order'")
        manager.get_by_label("Comment").fill("x" * 250)
        manager.get_by_role("button", name="Complete task").click()
        expect(manager.locator(".form-error")).to_contain_text("nothing was saved")
        expect(manager.locator(".field-error")).to_have_text(["Choose yes or no", "Use at most 200 characters"],
                                                             use_inner_text=True)
        expect(manager.get_by_label("Comment")).to_have_value("x" * 250)

        manager.get_by_label("Comment").fill("Checked with the customer.")
        manager.get_by_label("Yes").check()
        manager.get_by_role("button", name="Complete task").click()
        expect(manager.locator(".flash")).to_have_text("'Approve order' is completed. Thank you!")
        expect(manager.locator("tbody tr")).to_have_count(2)

        for _ in range(100):  # the worker thread charges and ships
            admin.reload()
            if admin.locator(".badge-completed").count():
                break
            time.sleep(0.2)
        expect(admin.locator("h1 .badge")).to_have_text("completed")
        for element in ("Activity_ApproveOrder", "Activity_ChargePayment", "EndEvent_OrderShipped"):
            expect(admin.locator(f'svg.bpmn-diagram g[data-element-id="{element}"]')).to_have_class(
                "shape kind-" + ("endEvent" if element.startswith("End") else
                                 "userTask" if "Approve" in element else "serviceTask") + " state-completed")
        assert admin.locator("svg.bpmn-diagram .state-active").count() == 0, "no token waits any more"
        expect(admin.locator(".kv")).to_contain_text("Checked with the customer.")

        phone = new_page(390)
        log_in(phone, "mia", MANAGER_PASSWORD)
        expect(phone.locator("tbody tr")).to_have_count(2)
        widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"no sideways scrolling at phone width: {widths}"
        browser.close()
    assert policy_violations == []

    assert server.stop() == 0
    assert server.output().rstrip().endswith("stopped")


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, summary')]
  .filter(el => !(el.tagName === 'BUTTON' || el.tagName === 'SUMMARY' ? el.textContent.trim()
                  : [...(el.labels || [])].map(l => l.textContent.trim()).join('')
                    || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
  .map(el => el.outerHTML.slice(0, 120))"""
FOCUS_RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  let back = el.parentElement;
  while (back && ['rgba(0, 0, 0, 0)', 'transparent'].includes(getComputedStyle(back).backgroundColor)) back = back.parentElement;
  return [style.outlineStyle, style.outlineWidth, style.outlineColor,
          back ? getComputedStyle(back).backgroundColor : 'rgb(255, 255, 255)', el.outerHTML.slice(0, 80)];
}"""


def _contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two CSS rgb() colours."""
    def luminance(color: str) -> float:
        channels = [int(part) / 255 for part in color[color.index("(") + 1:color.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _check_accessibility(page: "Page") -> None:
    """Every control has a name, and a control reached with Tab shows a 3px ring of at least 3:1 contrast."""
    page.wait_for_load_state("load")  # the title can be there before the style sheet is: the ring is the sheet's
    assert page.evaluate(UNLABELLED) == [], "every control is labelled"
    for _ in range(12):
        page.keyboard.press("Tab")
        style, width, color, background, element = page.evaluate(FOCUS_RING)
        if element.startswith(("<body", "<html")):
            continue
        assert style == "solid" and width == "3px", element
        assert _contrast(color, background) >= 3, (element, color, background)


def _logged_in(browser: "Browser", server: Server, name: str, password: str, width: int) -> "Page":
    """A new page of a person logged in through the login form, as wide as `width`."""
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    return page


def _api(server: Server, token: str, path: str, body: dict[str, object]) -> Any:
    import json
    import urllib.request
    request = urllib.request.Request(f"{server.url}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def test_an_operator_fixes_an_incident_and_an_approver_works_through_three_tasks(
        server: Server, example_dir: Path, tmp_path: Path) -> None:
    """An external worker fails a job; the operator finds the incident, adds the missing value and retries it
    from the instance page, then suspends and resumes it; an approver completes three tasks of one case in a
    row, each opening after the one before, with the keyboard and at 375 px."""
    from playwright.sync_api import expect, sync_playwright

    from tests.web.conftest import WEB_PROCESSES

    db = tmp_path / "serve.db"
    run_cli(example_dir, db, "user", "add", "mia", "--group", "managers", "--password", MANAGER_PASSWORD)
    run_cli(example_dir, db, "deploy", str(WEB_PROCESSES / "parcel.bpmn"), str(WEB_PROCESSES / "three_steps.bpmn"))
    run_cli(example_dir, db, "start", "parcel", "--business-key", "parcel-77")
    run_cli(example_dir, db, "start", "three-steps", "--business-key", "contract-5")
    token = run_cli(example_dir, db, "user", "token", "admin").strip()
    [job] = _api(server, token, "/external-tasks/fetch-and-lock",
                 {"workerId": "printer", "topics": ["print-label"], "maxTasks": 1, "lockDuration": 60000})
    _api(server, token, f"/external-tasks/{job['id']}/failure",
         {"workerId": "printer", "errorMessage": "no printer named for the depot", "retries": 0})
    shots = Path(os.environ["BPMN_RUNTIME_SCREENSHOTS"]) if os.environ.get("BPMN_RUNTIME_SCREENSHOTS") else None

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        admin = _logged_in(browser, server, "admin", ADMIN_PASSWORD, 1280)
        admin.get_by_role("link", name="Incidents").click()
        row = admin.locator("tr", has_text="parcel-77")
        expect(row).to_contain_text("Print the label")
        expect(row).to_contain_text("print-label: no printer named for the depot")
        expect(row.locator('td[data-label="Tries left"]')).to_contain_text("0")
        _check_accessibility(admin)
        row.get_by_role("link", name="#1").click()
        incident = admin.locator("li.incident")
        expect(incident).to_contain_text("no printer named for the depot")
        _check_accessibility(admin)
        incident.get_by_label("Name").fill("printer")
        incident.get_by_label("Type").select_option("json")
        incident.get_by_label("Value").fill('{"depot": "Lyon", "tray": 2')
        incident.get_by_role("button", name="Retry").click()
        expect(admin.locator("li.incident .field-error")).to_contain_text("This is not JSON")
        admin.locator("li.incident").get_by_label("Value").fill('{"depot": "Lyon", "tray": 2}')
        if shots:
            admin.screenshot(path=str(shots / "console-incident.png"), full_page=True)
        admin.locator("li.incident").get_by_role("button", name="Retry").click()
        expect(admin.locator(".flash")).to_contain_text("is retried with printer set to")
        expect(admin.locator("#variables")).to_contain_text('"depot": "Lyon"')
        admin.get_by_role("button", name="Suspend").click()
        expect(admin.locator("h1")).to_contain_text("suspended")
        assert _api(server, token, "/external-tasks/fetch-and-lock", {
            "workerId": "printer", "topics": ["print-label"], "maxTasks": 1, "lockDuration": 60000}) == [], \
            "a suspended instance's job is not handed out"
        admin.get_by_role("button", name="Resume").click()
        [again] = _api(server, token, "/external-tasks/fetch-and-lock",
                       {"workerId": "printer", "topics": ["print-label"], "maxTasks": 1, "lockDuration": 60000})
        assert again["variables"]["printer"] == {"depot": "Lyon", "tray": 2}
        _api(server, token, f"/external-tasks/{again['id']}/complete", {"workerId": "printer"})
        admin.reload()
        expect(admin.locator("h1 .badge").first).to_have_text("completed")

        approver = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
        approver.goto(f"{server.url}/login")
        approver.get_by_label("User name").fill("mia")
        approver.get_by_label("Password").fill(MANAGER_PASSWORD)
        approver.keyboard.press("Enter")
        expect(approver).to_have_title("My tasks · bpmn-runtime")
        _check_accessibility(approver)
        approver.get_by_role("link", name="Check the contract").click()
        expect(approver.locator("h1")).to_have_text("Check the contract")
        _check_accessibility(approver)
        expect(approver.get_by_role("button", name="Complete task")).to_have_count(0)  # read-only until claimed
        for name, following in (("Check the contract", "Approve the contract"),
                                ("Approve the contract", "Sign the contract"), ("Sign the contract", None)):
            expect(approver.locator("h1")).to_have_text(name)
            if name == "Approve the contract" and shots:  # opened by itself, read-only until claimed
                approver.screenshot(path=str(shots / "inbox-next-task.png"), full_page=True)
            if approver.get_by_role("button", name="Claim").count():
                approver.get_by_role("button", name="Claim").focus()
                approver.keyboard.press("Enter")
            approver.get_by_role("button", name="Complete task").focus()
            approver.keyboard.press("Enter")
            if following:
                expect(approver.locator(".flash").first).to_contain_text("This is the next task of the same case.")
        expect(approver.locator(".flash").first).to_have_text("'Sign the contract' is completed. Thank you!")
        widths = approver.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"no sideways scrolling at 375 px: {widths}"
        browser.close()


def test_a_form_js_form_with_groups_and_conditions(server: Server, example_dir: Path, tmp_path: Path) -> None:
    """A manager fills in a form-js form: a group appears once her answer asks for it (the server shows it
    again as the values now say), its required field is checked only then, and the values are stored."""
    from playwright.sync_api import expect, sync_playwright

    from tests.web.conftest import WEB_PROCESSES

    db = tmp_path / "serve.db"
    run_cli(example_dir, db, "user", "add", "mia", "--group", "managers", "--password", MANAGER_PASSWORD)
    run_cli(example_dir, db, "deploy", str(WEB_PROCESSES / "form_groups.bpmn"))
    run_cli(example_dir, db, "start", "form-groups", "--business-key", "request-9", "--var",
            'availableTags=["fragile", "heavy"]', "--var", 'regions=[{"value": "north", "label": "North"}]')
    shots = Path(os.environ["BPMN_RUNTIME_SCREENSHOTS"]) if os.environ.get("BPMN_RUNTIME_SCREENSHOTS") else None

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = _logged_in(browser, server, "mia", MANAGER_PASSWORD, 1100)
        page.get_by_role("link", name="Check the request").click()
        page.get_by_role("button", name="Claim").click()
        expect(page.get_by_role("group", name="Customer", exact=True)).to_be_visible()
        expect(page.get_by_label("VAT number")).to_have_count(0)
        page.locator("#field-customer").fill("Acme")
        page.get_by_label("Company").check()
        page.get_by_label("Gift wrap").check()
        page.get_by_label("Region").select_option("north")
        page.get_by_role("button", name="Complete task").click()
        expect(page.get_by_role("group", name="Company", exact=True)).to_be_visible()
        vat = page.get_by_label("VAT number")
        expect(vat).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#error-vat")).to_have_text("This field is required")
        expect(page.get_by_label("Gift wrap")).to_be_checked()
        _check_accessibility(page)
        vat.fill("FR1234567890")
        if shots:
            page.screenshot(path=str(shots / "inbox-form-js.png"), full_page=True)
        page.get_by_role("button", name="Complete task").click()
        expect(page.locator(".flash").first).to_have_text("'Check the request' is completed. Thank you!")
        browser.close()
    shown = run_cli(example_dir, db, "instances", "--business-key", "request-9", "--json")
    assert '"status": "completed"' in shown


def test_an_operator_migrates_an_instance_and_moves_its_token(server: Server, example_dir: Path,
                                                               tmp_path: Path) -> None:
    """The operator checks a migration to version 2 (refused until the renamed task is mapped), migrates the
    instance after confirming, then moves its token into the subprocess with a modification."""
    from playwright.sync_api import expect, sync_playwright

    models = Path(__file__).parents[1] / "modify"
    db = tmp_path / "serve.db"
    run_cli(example_dir, db, "deploy", str(models / "change.bpmn"))
    started = run_cli(example_dir, db, "start", "changeable", "--business-key", "change-1")
    instance_id = int(started.split()[2])
    run_cli(example_dir, db, "deploy", str(models / "change_v2.bpmn"))
    shots = Path(os.environ["BPMN_RUNTIME_SCREENSHOTS"]) if os.environ.get("BPMN_RUNTIME_SCREENSHOTS") else None

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        admin = _logged_in(browser, server, "admin", ADMIN_PASSWORD, 1280)
        admin.get_by_role("link", name="Instances").click()
        admin.locator("tr", has_text="change-1").get_by_role("link", name=f"#{instance_id}").click()
        expect(admin.locator("h1")).to_contain_text(f"Instance #{instance_id}")
        migrate = admin.locator("#migrate")
        migrate.get_by_label("Version of changeable").select_option("2")
        migrate.get_by_role("button", name="Check").click()
        expect(admin.locator(".migration-plan")).to_contain_text("It cannot be migrated to version 2")
        expect(admin.locator(".migration-plan")).to_contain_text("(--map Review=NEW_ID)")
        admin.locator("#migrate").get_by_label("Mapping (optional)").fill("Review=ReviewOrder")
        admin.locator("#migrate").get_by_role("button", name="Check").click()
        expect(admin.locator(".migration-plan")).to_contain_text("'Review' (Review) to 'Review order' (ReviewOrder)")
        _check_accessibility(admin)
        admin.locator("#migrate summary").click()
        if shots:
            admin.screenshot(path=str(shots / "console-migrate.png"), full_page=True)
        admin.locator("#migrate").get_by_role("button", name="Yes, migrate instance").click()
        expect(admin.locator(".flash")).to_contain_text("is migrated to version 2")
        expect(admin.locator(".page-head .muted").first).to_contain_text("changeable version 2")

        admin.locator("#modify summary").click()
        admin.locator("#modify").get_by_label("Review order").check()
        admin.get_by_label("Start a token before").select_option("Check")
        admin.get_by_role("button", name="Yes, modify instance").click()
        expect(admin.locator(".flash")).to_contain_text("started before 'Check' (Check)")
        expect(admin.locator(".card", has_text="Waiting at")).to_contain_text("Inspect")
        expect(admin.locator(".timeline")).to_contain_text("Modified by an operator")
        browser.close()
