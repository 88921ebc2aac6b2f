"""An operator in a real browser, against the real `bpmn-runtime serve`: builds a form with a required field in
the console's form editor, sees the engine's check refuse its lengths, fixes them and deploys the .form file;
opens a deployed decision table in the decision editor, breaks and fixes a rule, deploys the table as a new
version and evaluates it. The pages run under their Content-Security-Policy, which must refuse nothing."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.web.conftest import WEB_PROCESSES, Server, run_cli
from tests.web.test_browser import server  # noqa: F401 (fixture)
from tests.web.test_modeler_browser import editor_session

pytestmark = pytest.mark.browser


def test_an_operator_builds_checks_and_deploys_a_form_and_a_decision_table(server: Server, example_dir: Path,
                                                                            tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "serve.db"
    assert "deployed: grade version 1" in run_cli(example_dir, db, "deploy", str(WEB_PROCESSES / "grade.dmn"))
    with sync_playwright() as playwright:
        browser, page, complaints = editor_session(playwright, server)
        page.set_default_timeout(10_000)
        status = page.locator("#editor-status")
        deploy = page.get_by_role("button", name="Deploy")
        problems = page.locator("#editor-problems li")

        # --- a form: a required parcel code whose lengths cannot both hold ---
        page.get_by_role("link", name="Processes").click()
        page.get_by_role("link", name="New form").click()
        expect(status).to_have_text("No problems: the engine would deploy this form.")
        expect(page.locator(".fjs-powered-by")).to_be_visible()  # bpmn.io's licence asks for its watermark
        group = page.locator(".bio-properties-panel-group-header")
        group.filter(has_text="General").click()  # the form's own properties
        page.get_by_label("ID", exact=True).fill("parcel-form")
        palette = page.locator(".fjs-palette-field")
        expect(palette.filter(has_text="File picker")).to_be_hidden()  # the inbox cannot take a file: not offered
        expect(palette.filter(has_text="Table")).to_be_hidden()
        expect(palette.filter(has_text="Checkbox group")).to_be_visible()
        page.locator('.fjs-palette-field[data-field-type="textfield"]').focus()
        page.keyboard.press("Enter")  # the palette adds a component by keyboard
        page.locator(".fjs-editor-container .fjs-form-field-textfield").click()
        page.get_by_label("Field label").fill("Parcel code")
        page.get_by_label("Key", exact=True).fill("code")
        group.filter(has_text="Validation").click()
        page.get_by_label("Required").check()
        page.get_by_label("Minimum length").fill("5")
        page.get_by_label("Maximum length").fill("2")
        expect(status).to_have_text("1 problem to fix before this form can be deployed.")
        expect(problems).to_have_text(["field 'Parcel code': minlength 5 is larger than maxlength 2"])
        expect(deploy).to_be_disabled()
        page.get_by_label("Maximum length").fill("12")
        expect(status).to_have_text("No problems: the engine would deploy this form.")
        expect(problems).to_have_count(0)
        with page.expect_download() as downloading:
            page.get_by_role("button", name="Download .form").click()
        saved = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
        assert downloading.value.suggested_filename == "parcel-form.form"
        [field] = saved["components"]
        assert (saved["id"], field["key"], field["label"]) == ("parcel-form", "code", "Parcel code")
        rules = field["validate"]  # form-js keeps a length typed over another as text, which the engine reads too
        assert (rules["required"], int(rules["minLength"]), int(rules["maxLength"])) == (True, 5, 12)
        deploy.click()
        expect(page.locator(".flash")).to_have_text("Deployed form parcel-form version 1 from parcel-form.form.")
        page.get_by_role("link", name="Edit form parcel-form").click()
        expect(status).to_have_text("No problems: the engine would deploy this form.")
        expect(page.locator(".fjs-editor-container .fjs-form-field-textfield")).to_contain_text("Parcel code")

        # --- a decision table: a rule broken, fixed to a new bound, deployed and evaluated ---
        page.get_by_role("link", name="Decisions").click()
        page.get_by_role("link", name="Edit Grade").click()
        expect(status).to_have_text("No problems: the engine would deploy this decision.")
        expect(page.get_by_role("button", name="Grade (decision table)")).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".dmn-decision-table-container .powered-by, .bjs-powered-by").first).to_be_visible()

        def set_cell(element_id: str, text: str) -> None:
            page.locator(f'td[data-element-id="{element_id}"]').click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")  # typed over a selection, Chrome would keep its colour as a style
            page.keyboard.type(text)

        set_cell("RuleA_score", ">= = 85")
        expect(status).to_have_text("1 problem to fix before this decision can be deployed.")
        expect(problems.first).to_contain_text("grade: decision 'Grade': rule 1, input 'Score': the entry '>= = 85' "
                                               "is not FEEL unary tests")
        expect(deploy).to_be_disabled()
        set_cell("RuleA_score", ">= 85")
        set_cell("RuleB_score", "[50..85)")
        page.keyboard.press("Delete")  # the "]" the editor added to the "[" typed
        expect(page.locator('td[data-element-id="RuleB_score"] .cm-content')).to_have_text("[50..85)")
        expect(status).to_have_text("No problems: the engine would deploy this decision.")
        deploy.click()
        expect(page.locator(".flash")).to_have_text("Deployed Grade (grade) version 2 from grade.dmn.")
        expect(page).to_have_url(re.compile(r"/console/decisions/grade$"))
        browser.close()
    assert complaints == [], "the editors run without errors and within their Content-Security-Policy"
    evaluated = run_cli(example_dir, db, "decide", "grade", "--var", "score=87")
    assert evaluated.splitlines()[0] == 'Grade (grade) version 2: "A"'
