"""The commune's own page (`plansync ui`, served by the client from its local replica), written
against its contract: an edit made in the browser while the county server is down stays pending,
the sync fails and says so, and once the server is back a sync carries it to the county's page.

Contract: `plansync ui --data DIR --port 0` prints `plansync ui listening on http://127.0.0.1:PORT`;
GET /plans/{id} holds a form posting to POST /plans/{id}/fields (path, value); POST /sync answers
with its result in #sync-result. Skipped while the client has no `ui` command."""
import json
import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from conftest import BIN, check_accessibility, negomir_story, run, sign_in

NEW_TITLE = "Planul anual de acțiune 2025 — editat offline în browser"


def ui_exists() -> bool:
    # Argument parsers print the top-level help for an unknown command, sometimes with status 0:
    # the command exists when its own usage line is printed.
    result = run(BIN / "plansync", "ui", "--help", check=False)
    return result.returncode == 0 and "USAGE: plansync ui" in result.stdout


pytestmark = pytest.mark.skipif(not ui_exists(), reason="`plansync ui` is not in this build of the client yet")


class CommuneUI:
    def __init__(self, data, log):
        self.log = log
        output = open(log, "a")
        offset = output.tell()  # a second start appends: read only what this process prints
        self.process = subprocess.Popen([str(BIN / "plansync"), "ui", "--data", str(data), "--port", "0"],
                                        stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.findall(r"plansync ui listening on (http://127\.0\.0\.1:\d+)", log.read_bytes()[offset:].decode(errors="replace"))
            if found:
                self.url = found[-1]
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"plansync ui did not start:\n{log.read_text()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def pending(story) -> int:
    return json.loads(story.laptop("status", "--json").stdout)["pending"]


@pytest.fixture(scope="module")
def commune(scratch):
    story = negomir_story(scratch / "commune")
    out = story.laptop("plan", "new", "--year", "2025").stdout
    story.draft = re.search(r"^Created plan (\S+)", out, re.M).group(1)
    story.laptop("sync")
    yield story
    story.server.stop()


def test_an_edit_made_offline_in_the_commune_page_reaches_the_county_page_after_sync(browser, commune, shot):
    server = commune.server
    port = server.port
    server.stop()  # the network is down
    ui = CommuneUI(commune.laptop.data, commune.folder / "ui.log")
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = context.new_page()
        response = page.goto(f"{ui.url}/plans/{commune.draft}")
        assert response.status == 200
        fields = page.locator(f"form[action$='/plans/{commune.draft}/fields']")
        expect(fields.first).to_be_visible()
        per_field = page.locator(f"form[action$='/plans/{commune.draft}/fields']:has(input[type=hidden][name=path][value=title])")
        if per_field.count():  # one form per field
            form = per_field.first
        else:  # one form: the field is chosen or typed
            form = fields.first
            path = form.locator("[name=path]")
            if path.evaluate("e => e.tagName") == "SELECT":
                path.select_option("title")
            else:
                path.fill("title")
        form.locator("[name=value]").fill(NEW_TITLE)
        with page.expect_navigation():
            form.locator("[type=submit]").click()
        # The page shows the value saved: in the title's field, or as text.
        saved = page.locator(f"form[action$='/plans/{commune.draft}/fields']:has(input[type=hidden][name=path][value=title]) [name=value]")
        if saved.count():
            expect(saved.first).to_have_value(NEW_TITLE)
        else:
            expect(page.locator("main")).to_contain_text(NEW_TITLE)
        shot(page, "commune")

        sync = page.locator("form[action='/sync'] [type=submit]")
        with page.expect_navigation():
            sync.click()
        expect(page.locator("#sync-result")).to_be_visible()
        shot(page, "commune-sync-failed")
        assert pending(commune) > 0, "the edit made offline is no longer pending after a failed sync"

        server.start(port)  # the network is back
        page.goto(f"{ui.url}/plans/{commune.draft}")
        with page.expect_navigation():
            page.locator("form[action='/sync'] [type=submit]").click()
        expect(page.locator("#sync-result")).to_be_visible()
        shot(page, "commune-synced")
        assert pending(commune) == 0, "the sync with the server back left edits pending"
    finally:
        context.close()
        ui.stop()
        if server.process is None:
            server.start(port)

    county = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = county.new_page()
        sign_in(page, server.url, commune.accounts["reviewer"])
        page.goto(f"{server.url}/plans/{commune.draft}")
        expect(page.locator(".plan-document")).to_contain_text(NEW_TITLE)
        shot(page, "county-after-commune-sync")
    finally:
        county.close()


def test_the_commune_page_has_no_serious_accessibility_violation(browser, commune, shot):
    ui = CommuneUI(commune.laptop.data, commune.folder / "ui.log")
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = context.new_page()
        assert page.goto(f"{ui.url}/plans/{commune.draft}").status == 200
        shot(page, "axe-commune")
        check_accessibility(page, "commune")
    finally:
        context.close()
        ui.stop()
