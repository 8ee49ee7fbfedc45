"""A security pass in the browser: forms refused without their token (CSRF, same-site and from
another site), what a commune or a name types rendered inert (XSS), sign-out that ends the session
(back button, old cookie), a session planted before sign-in not the one used after (fixation),
and the cookie's and the pages' protective headers."""
import http.server
import re
import threading

import pytest
from playwright.sync_api import expect

from conftest import (COUNTY_CODE, SESSION_COOKIE, VIEWPORT, negomir_story, plant_session_cookie, session_cookie,
                      sign_in)

SCRIPT_TITLE = '<script>alert("xss-title")</script><img src=x onerror=alert("xss-img")> Planul 2025'
SCRIPT_SERVICE = '<svg onload=alert("xss-svg")>Serviciu "ciudat" & <b>bold</b>'
SCRIPT_NAME = '<script>alert("xss-name")</script>Ion'


@pytest.fixture(scope="module")
def hostile(scratch):
    """A county whose commune typed markup into its 2025 plan, and a reviewer named with markup."""
    story = negomir_story(scratch / "hostile")
    out = story.laptop("plan", "new", "--year", "2025").stdout
    plan = re.search(r"^Created plan (\S+)", out, re.M).group(1)
    story.laptop("plan", "set", plan, "title", SCRIPT_TITLE)
    story.laptop("row", "add", plan, "services", "code=8810 ID-IV", f"name={SCRIPT_SERVICE}", "capacity=3", "budget.local=1.000")
    story.laptop("sync")
    story.xss_plan = plan
    story.accounts["markup"] = story.server.add_user(SCRIPT_NAME, "reviewer", password="parola-test-Markup-1")
    yield story
    story.server.stop()


def form_token(page, form_selector):
    return page.locator(f"{form_selector} input[name=formToken]").get_attribute("value")


# MARK: CSRF

def test_sign_out_posted_without_its_form_token_is_refused_and_the_session_stays(page, hostile, shot):
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    page.evaluate("document.querySelector('form.signout input[name=formToken]').remove()")
    with page.expect_navigation() as navigation:
        page.click("form.signout button[type=submit]")
    assert navigation.value.status == 403
    shot(page, "csrf-refused")
    page.goto(f"{hostile.url}/plans")
    expect(page).to_have_url(re.compile(r"/plans$"))


def test_a_form_token_of_another_session_is_refused(browser, page, hostile):
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    other = browser.new_context(viewport=VIEWPORT)
    try:
        other_page = other.new_page()
        sign_in(other_page, hostile.url, hostile.accounts["auditor"])
        foreign = form_token(other_page, "form.signout")
    finally:
        other.close()
    page.evaluate("t => document.querySelector('form.signout input[name=formToken]').value = t", foreign)
    with page.expect_navigation() as navigation:
        page.click("form.signout button[type=submit]")
    assert navigation.value.status == 403
    page.goto(f"{hostile.url}/plans")
    expect(page).to_have_url(re.compile(r"/plans$"))


def test_sign_in_posted_without_its_form_token_is_refused(page, hostile):
    page.goto(f"{hostile.url}/signin")
    page.evaluate("document.querySelector('form.signin input[name=formToken]').remove()")
    page.select_option("select[name=county]", COUNTY_CODE)
    page.fill("input[name=account]", hostile.accounts["reviewer"].id)
    page.fill("input[name=password]", hostile.accounts["reviewer"].password)
    with page.expect_navigation() as navigation:
        page.click("form.signin button[type=submit]")
    assert navigation.value.status == 403
    expect(page.locator("p.problem[role=alert]")).to_be_visible()
    assert session_cookie(page.context) is None


class _AttackerSite:
    """Another site (http://localhost:PORT is not the same site as http://127.0.0.1) whose page
    posts a form to the county's server as soon as it loads."""

    def __init__(self, html: str):
        body = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_form_posted_from_another_site_does_not_sign_the_person_out(page, context, hostile):
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    token = form_token(page, "form.signout")  # even with the right token, stolen somehow
    attacker = _AttackerSite(f"""<!DOCTYPE html><html><body>
<form id=f method=post action="{hostile.url}/signout"><input type=hidden name=formToken value="{token}"></form>
<script>document.getElementById('f').submit()</script></body></html>""")
    try:
        evil = context.new_page()
        evil.goto(attacker.url)
        evil.wait_for_url(re.compile(re.escape(hostile.url)))
        evil.wait_for_load_state()
        evil.close()
    finally:
        attacker.close()
    page.goto(f"{hostile.url}/plans")
    expect(page).to_have_url(re.compile(r"/plans$"))  # SameSite=Strict: the cookie did not go with it


# MARK: XSS

@pytest.fixture
def no_csp_page(browser):
    """A page that ignores the server's Content-Security-Policy: the escaping alone must hold."""
    ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    p = ctx.new_page()
    p.dialogs = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    yield p
    ctx.close()


def test_markup_typed_in_a_plan_is_shown_as_text_and_never_runs(no_csp_page, hostile, shot):
    page = no_csp_page
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    for path in ["/plans", f"/plans/{hostile.xss_plan}", "/totals?by=service", "/totals?by=uat"]:
        page.goto(hostile.url + path)
        page.wait_for_timeout(200)
        injected = page.locator("main img[src=x], main [onerror], main [onload], main script")
        assert injected.count() == 0, f"markup typed by the commune became elements on {path}"
        assert page.locator("main b", has_text=re.compile(r"^bold$")).count() == 0, path
    page.goto(f"{hostile.url}/plans/{hostile.xss_plan}")
    expect(page.locator(".plan-document")).to_contain_text('<script>alert("xss-title")</script>')
    expect(page.locator(".plan-document")).to_contain_text('<svg onload=alert("xss-svg")>Serviciu "ciudat" & <b>bold</b>')
    shot(page, "xss-plan")
    assert page.dialogs == [], f"a script ran: {page.dialogs}"


def test_markup_in_a_persons_name_is_shown_as_text(no_csp_page, hostile):
    page = no_csp_page
    sign_in(page, hostile.url, hostile.accounts["markup"])
    expect(page.locator("header")).to_contain_text(SCRIPT_NAME)
    page.goto(f"{hostile.url}/plans/{hostile.plan}")
    assert page.dialogs == [], f"a script ran: {page.dialogs}"


def test_markup_typed_as_the_account_on_the_sign_in_page_stays_in_its_field(no_csp_page, hostile):
    page = no_csp_page
    typed = '"><script>alert("xss-account")</script>'
    page.goto(f"{hostile.url}/signin")
    page.select_option("select[name=county]", COUNTY_CODE)
    page.fill("input[name=account]", typed)
    page.fill("input[name=password]", "whatever-12345")
    with page.expect_navigation():
        page.click("form.signin button[type=submit]")
    expect(page.locator("input[name=account]")).to_have_value(typed)
    assert page.locator("main script").count() == 0
    assert page.dialogs == []


def test_every_page_forbids_scripts_and_framing(page, hostile):
    for path in ["/signin"]:
        response = page.goto(hostile.url + path)
        csp = response.headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "script-src" not in csp, csp
        assert "frame-ancestors 'none'" in csp, csp
        assert response.headers.get("x-content-type-options") == "nosniff"
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    for path in ["/plans", f"/plans/{hostile.plan}", "/totals?by=uat"]:
        response = page.goto(hostile.url + path)
        assert "default-src 'none'" in response.headers.get("content-security-policy", ""), path
        assert response.headers.get("cache-control") == "no-store", path


# MARK: sessions

def test_the_session_cookie_is_host_only_secure_httponly_and_strict(page, context, hostile):
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["domain"] == "127.0.0.1"  # host-only (__Host-)
    assert cookie["expires"] == -1, "a session cookie ends with the browser"
    assert SESSION_COOKIE not in page.evaluate("document.cookie")


def test_sign_out_ends_the_session_the_back_button_and_the_old_cookie_do_not_reopen_it(page, context, hostile, shot):
    sign_in(page, hostile.url, hostile.accounts["reviewer"])
    page.goto(f"{hostile.url}/plans/{hostile.plan}")
    old = session_cookie(context)
    with page.expect_navigation():
        page.click("form.signout button[type=submit]")
    expect(page).to_have_url(re.compile(r"/signin$"))
    assert session_cookie(context) in (None, "")

    page.go_back()
    page.wait_for_load_state()
    assert page.locator(".plan-document").count() == 0, f"the back button showed the plan again ({page.url})"
    expect(page.locator("form.signout")).to_have_count(0)

    plant_session_cookie(context, old)
    page.goto(f"{hostile.url}/plans")
    expect(page).to_have_url(re.compile(r"/signin$"))
    shot(page, "signed-out")


def test_a_session_planted_before_sign_in_is_not_the_one_used_after(browser, hostile):
    attacker = browser.new_context(viewport=VIEWPORT)
    victim = browser.new_context(viewport=VIEWPORT)
    try:
        attacker_page = attacker.new_page()
        sign_in(attacker_page, hostile.url, hostile.accounts["auditor"])
        planted = session_cookie(attacker)
        made_up = f"{COUNTY_CODE}.planted-by-someone-else"
        for value in [made_up, planted]:
            victim.clear_cookies()
            plant_session_cookie(victim, value)
            victim_page = victim.new_page()
            sign_in(victim_page, hostile.url, hostile.accounts["reviewer"])
            expect(victim_page).to_have_url(re.compile(r"/plans$"))
            after = session_cookie(victim)
            assert after and after != value, "the planted session survived the sign-in"
            expect(victim_page.locator("header")).to_contain_text("Maria Dinu")
            victim_page.close()
        # The attacker's own session is still the attacker's, not the victim's.
        attacker_page.goto(f"{hostile.url}/plans")
        expect(attacker_page.locator("header")).to_contain_text("Curtea de Conturi")
        expect(attacker_page.locator("header")).not_to_contain_text("Maria Dinu")
    finally:
        attacker.close()
        victim.close()


def test_a_made_up_session_cookie_opens_nothing(page, context, hostile):
    plant_session_cookie(context, f"{COUNTY_CODE}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    for path in ["/plans", f"/plans/{hostile.plan}", "/totals?by=uat", "/totals.csv?by=uat"]:
        response = page.request.get(hostile.url + path, max_redirects=0)
        assert response.status == 303 and response.headers["location"] == "/signin", path
