"""A person in a real browser against the real `bpmn-runtime serve`: a manager approves a large order in
the inbox (a wrong form first, then a right one) and an administrator watches the instance move on.

Set BPMN_RUNTIME_SCREENSHOTS=DIR to keep the screenshots of the inbox and of the instance page (the
README's docs/inbox.png and docs/instance.png are made this way).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.web.conftest import Server, run_cli

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

        def new_page(width: int = 1280) -> object:
            page = browser.new_context(viewport={"width": width, "height": 860}).new_page()
            page.on("console", lambda message: policy_violations.append(message.text)
                    if "Content Security Policy" in message.text else None)
            return page

        def log_in(page: object, name: str, password: str) -> None:
            page.goto(f"{server.url}/login")
            page.get_by_label("User name").fill(name)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()

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
        expect(manager.locator(".form-error")).to_contain_text("Nothing was saved")
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
