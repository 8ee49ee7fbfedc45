"""The county's acts and the pages being built (issue 12), written against their contract; they fail
until the pages land. The Negomir story walked through the pages: Ana's 2024 plan arrives, the
reviewer registers it, remarks on it and gives the aviz in the browser, sees the totals; the commune
modifies the plan and the reviewer reads the difference, the history, the plan as of a moment and
its evidence; the auditor verifies the county's log; the administrator adds an account and revokes
a device.

Contract: on /plans/{id}, when the plan waits for them, a reviewer sees form#register (number, date
dd.mm.yyyy), form#remark (path optional, text), form#aviz (form hcj|letter, reference, outcome
favourable|favourable-with-remarks|unfavourable, remarks); after one the browser lands on
/plans/{id} with <p class="notice" role="status">; a refusal shows <p class="problem" role="alert">.
/plans/{id}/diff?from=1&to=2 (rows .added .removed .changed), /plans/{id}/history, /plans/{id}/asof?seq=N,
/plans/{id}/bundle (JSON); /audit (#verification) for auditors and administrators; /admin for the
administrator (form#add-account: name, role, siruta; code#enrollment-token; form.revoke).

The tests of this file run in order on one county (a story); each one that needs an earlier step
makes sure of it with the client, so that a failure is reported where it happens."""
import json
import re

import pytest
from playwright.sync_api import expect

from conftest import NEGOMIR, Commune, approve_by_hcl, check_accessibility, negomir_story, sign_in, use_session

REMARK = "Precizați câți asistenți personali sunt angajați."


@pytest.fixture(scope="module")
def acts(scratch):
    story = negomir_story(scratch / "acts")
    story.county = Commune.enroll(scratch / "acts" / "county", story.server, story.accounts["reviewer"].token, "CJ Gorj")
    yield story
    story.server.stop()


@pytest.fixture
def reviewer(page, acts):
    use_session(page, acts, "reviewer")
    return page


def plan_page(page, acts):
    response = page.goto(f"{acts.url}/plans/{acts.plan}")
    assert response.status == 200
    return response


def submit(page, form):
    with page.expect_navigation():
        page.locator(f"{form} [type=submit]").first.click()


def state_by_cli(acts) -> str:
    acts.county("sync")
    return acts.county("plan", "state", acts.plan).stdout


def ensure_avizat(acts):
    """The acts recorded with the client if the pages did not record them (so later steps can run)."""
    state = state_by_cli(acts)
    if "5552" not in state:
        acts.county("county", "register", acts.plan, "--number", "5552", "--date", "20.03.2024")
    if "HCJ nr. 39" not in state:
        acts.county("county", "aviz", acts.plan, "--form", "hcj", "--reference", "HCJ nr. 39/21.03.2024",
                    "--outcome", "favourable-with-remarks", "--remarks", "Se va actualiza numărul de asistenți personali.")
    acts.county("sync")


# MARK: the acts

def test_a_plan_waiting_for_registration_shows_the_register_form(reviewer, acts, shot):
    plan_page(reviewer, acts)
    form = reviewer.locator("form#register")
    expect(form).to_be_visible()
    expect(form.locator("[name=number]")).to_be_visible()
    expect(form.locator("[name=date]")).to_be_visible()
    expect(form.locator("input[name=formToken]")).to_have_count(1)
    shot(reviewer, "plan-acts")
    check_accessibility(reviewer, "plan-acts")


def test_register_posted_without_its_form_token_is_refused(reviewer, acts):
    plan_page(reviewer, acts)
    reviewer.evaluate("document.querySelector('form#register input[name=formToken]').remove()")
    reviewer.fill("form#register [name=number]", "6666")
    reviewer.fill("form#register [name=date]", "19.03.2024")
    with reviewer.expect_navigation() as navigation:
        reviewer.locator("form#register [type=submit]").click()
    assert navigation.value.status == 403
    assert "6666" not in state_by_cli(acts), "registered without the form's token"


def test_a_registration_with_an_impossible_date_is_refused_and_keeps_what_was_typed(reviewer, acts, shot):
    plan_page(reviewer, acts)
    reviewer.fill("form#register [name=number]", "5552")
    reviewer.fill("form#register [name=date]", "31.02.2024")
    submit(reviewer, "form#register")
    expect(reviewer).to_have_url(re.compile(re.escape(f"/plans/{acts.plan}")))
    expect(reviewer.locator("p.problem[role=alert]")).to_be_visible()
    expect(reviewer.locator("form#register [name=number]")).to_have_value("5552")
    shot(reviewer, "plan-act-refused")
    check_accessibility(reviewer, "plan-act-refused")


def test_the_reviewer_registers_the_plan(reviewer, acts, shot):
    plan_page(reviewer, acts)
    reviewer.fill("form#register [name=number]", "5552")
    reviewer.fill("form#register [name=date]", "20.03.2024")
    submit(reviewer, "form#register")
    expect(reviewer).to_have_url(re.compile(re.escape(f"/plans/{acts.plan}") + r"(\?.*)?$"))
    expect(reviewer.locator("p.notice[role=status]")).to_be_visible()
    expect(reviewer.locator("main")).to_contain_text("5552")
    expect(reviewer.locator("form#register")).to_have_count(0)
    shot(reviewer, "plan-registered")
    assert "5552" in state_by_cli(acts)


def test_the_reviewer_remarks_on_a_cell(reviewer, acts):
    plan_page(reviewer, acts)
    reviewer.fill("form#remark [name=path]", "services[1].capacity")
    reviewer.fill("form#remark [name=text]", REMARK)
    submit(reviewer, "form#remark")
    expect(reviewer.locator("p.notice[role=status]")).to_be_visible()
    expect(reviewer.locator("main")).to_contain_text(REMARK)


def test_an_empty_remark_is_refused(reviewer, acts):
    plan_page(reviewer, acts)
    reviewer.fill("form#remark [name=text]", "")
    reviewer.evaluate("document.querySelectorAll('form#remark [required]').forEach(e => e.removeAttribute('required'))")
    submit(reviewer, "form#remark")
    expect(reviewer.locator("p.problem[role=alert]")).to_be_visible()


def test_the_reviewer_gives_the_aviz(reviewer, acts, shot):
    plan_page(reviewer, acts)
    form = reviewer.locator("form#aviz")
    expect(form).to_be_visible()
    form.locator("[name=form]").select_option("hcj")
    form.locator("[name=reference]").fill("HCJ nr. 39/21.03.2024")
    form.locator("[name=outcome]").select_option("favourable-with-remarks")
    form.locator("[name=remarks]").fill("Se va actualiza numărul de asistenți personali.")
    submit(reviewer, "form#aviz")
    expect(reviewer.locator("p.notice[role=status]")).to_be_visible()
    expect(reviewer.locator("main")).to_contain_text("HCJ nr. 39/21.03.2024")
    expect(reviewer.locator("form#aviz")).to_have_count(0)
    shot(reviewer, "plan-avizat")
    assert "HCJ nr. 39" in state_by_cli(acts)
    check_accessibility(reviewer, "plan-avizat")


def test_the_totals_count_the_avizat_plan(reviewer, acts):
    ensure_avizat(acts)
    reviewer.goto(f"{acts.url}/totals?by=uat")
    line = reviewer.locator("table.list tbody tr", has=reviewer.locator("th", has_text="NEGOMIR"))
    expect(line).to_contain_text("450.000 lei")


# MARK: a modification, and what the reviewer reads of it

@pytest.fixture(scope="module")
def modified(acts):
    """HCL 17 approves version 1; the commune opens version 2, changes a capacity, adds a service,
    and submits it."""
    ensure_avizat(acts)
    approve_by_hcl(acts)
    laptop = acts.laptop
    laptop("plan", "modify", acts.plan, "--reason", "Doi asistenți personali noi")
    laptop("plan", "set", acts.plan, "services[1].capacity", "14")
    laptop("row", "add", acts.plan, "services", "code=8899 CZ-VI", "name=Cantină socială", "capacity=30",
           "budget.local=120.000")
    laptop("plan", "submit", acts.plan, "--letter", "Nr. 2210/10.06.2024")
    laptop("sync")
    return acts


def test_the_difference_between_two_versions(reviewer, modified, shot):
    acts = modified
    response = reviewer.goto(f"{acts.url}/plans/{acts.plan}/diff?from=1&to=2")
    assert response.status == 200
    expect(reviewer.locator("main .changed").first).to_be_visible()
    expect(reviewer.locator("main .added").first).to_be_visible()
    expect(reviewer.locator("main .added").first).to_contain_text("Cantină socială")
    expect(reviewer.locator("main .changed", has_text="14").first).to_be_visible()
    shot(reviewer, "diff")
    check_accessibility(reviewer, "diff")


def test_the_history_timeline(reviewer, modified, shot):
    acts = modified
    response = reviewer.goto(f"{acts.url}/plans/{acts.plan}/history")
    assert response.status == 200
    main = reviewer.locator("main")
    for text in ["5552", "HCJ nr. 39", "Ana Popescu", "Maria Dinu", "Elena Stan"]:
        expect(main).to_contain_text(text)
    shot(reviewer, "history")
    check_accessibility(reviewer, "history")


def test_the_plan_as_of_a_moment(reviewer, modified, shot):
    acts = modified
    reviewer.goto(f"{acts.url}/plans/{acts.plan}/history")
    # The history links each operation to the plan just after it: the first one knows nothing of
    # version 2's new service, the last one shows it. (Without links: the county's sequence numbers.)
    links = reviewer.locator(f"main a[href*='/plans/{acts.plan}/asof?seq=']")
    hrefs = sorted(links.evaluate_all("as => as.map(a => a.getAttribute('href'))"),
                   key=lambda h: int(re.search(r"seq=(\d+)", h).group(1)))
    if len(hrefs) >= 2:
        first, last = hrefs[0], hrefs[-1]
    else:
        first, last = f"/plans/{acts.plan}/asof?seq=1", f"/plans/{acts.plan}/asof?seq=100000"
    response = reviewer.goto(acts.url + first)
    assert response.status == 200
    expect(reviewer.locator("main > h1")).to_be_visible()
    expect(reviewer.locator("main")).not_to_contain_text("Cantină socială")
    response = reviewer.goto(acts.url + last)
    assert response.status == 200
    expect(reviewer.locator("main")).to_contain_text("Cantină socială")
    shot(reviewer, "asof")
    check_accessibility(reviewer, "asof")


def test_the_evidence_bundle_downloads_as_json(reviewer, modified):
    acts = modified
    plan_page(reviewer, acts)
    link = reviewer.locator(f"a[href='/plans/{acts.plan}/bundle']")
    expect(link).to_have_count(1)
    with reviewer.expect_download() as download:
        link.click()
    bundle = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert acts.plan.split(".")[0] in json.dumps(bundle)


# MARK: the auditor and the administrator

def test_the_auditor_sees_the_logs_verification(page, acts, shot):
    use_session(page, acts, "auditor")
    response = page.goto(f"{acts.url}/audit")
    assert response.status == 200
    if page.locator("#verification").count() == 0:  # the check runs when asked (a button)
        with page.expect_navigation():
            page.locator("main form[action='/audit'] [type=submit]").first.click()
    verification = page.locator("#verification")
    expect(verification).to_be_visible()
    expect(verification.locator("[role=status]")).to_be_visible()  # intact: no tampering here
    expect(verification.locator("[role=alert]")).to_have_count(0)
    shot(page, "audit")
    check_accessibility(page, "audit")


def test_the_admin_page_is_the_administrators_alone(browser, acts):
    for role in ["reviewer", "auditor"]:
        context = browser.new_context()
        try:
            page = context.new_page()
            use_session(page, acts, role)
            response = page.goto(f"{acts.url}/admin")
            assert response.status in (403, 404), f"/admin answered {response.status} to the {role}"
            expect(page.locator("form#add-account, form.revoke")).to_have_count(0)
        finally:
            context.close()


def test_the_administrator_adds_an_account_whose_token_enrolls_a_device_then_revokes_it(page, acts, shot):
    use_session(page, acts, "administrator")
    response = page.goto(f"{acts.url}/admin")
    assert response.status == 200
    main = page.locator("main")
    for text in ["NEGOMIR", "Maria Dinu", "laptop inspector"]:
        expect(main).to_contain_text(text)
    form = page.locator("form#add-account")
    form.locator("[name=name]").fill("Ion Ionescu")
    form.locator("[name=role]").select_option("inspector")
    form.locator("[name=siruta]").fill(NEGOMIR) if form.locator("input[name=siruta]").count() else \
        form.locator("[name=siruta]").select_option(NEGOMIR)
    submit(page, "form#add-account")
    token = page.locator("code#enrollment-token")
    expect(token).to_be_visible()
    shot(page, "admin")

    desk = Commune.enroll(acts.folder / "desk", acts.server, token.inner_text().strip(), "birou Ion")
    desk("sync")
    page.goto(f"{acts.url}/admin")
    revoke = page.locator(":is(tr, li)", has_text="birou Ion").locator("form.revoke [type=submit]")
    expect(revoke).to_have_count(1)
    with page.expect_navigation():
        revoke.click()
    assert desk("sync", check=False).returncode != 0, "a revoked device still syncs"
    page.goto(f"{acts.url}/admin")
    check_accessibility(page, "admin")


def test_the_auditor_sees_a_tampered_log_flagged(page, acts, shot):
    """Someone with the database file rewrites an old entry of the log (a role, as in the Swift
    audit tests); the auditor's check in the browser says so. Last: it leaves the county broken."""
    import sqlite3
    acts.server.stop()
    database = sqlite3.connect(acts.server.data / "county-18.sqlite")
    with database:  # the triggers that keep the log append-only go first, as an intruder would drop them
        database.execute("DROP TRIGGER audit_entry_no_update")
        changed = database.execute("UPDATE audit_entry SET body = CAST(replace(CAST(body AS TEXT), 'inspector', 'reviewer') AS BLOB) "
                                   "WHERE idx = 10").rowcount
    database.close()
    assert changed == 1
    acts.server.start(acts.server.port)
    sign_in(page, acts.url, acts.accounts["auditor"])
    page.goto(f"{acts.url}/audit")
    if page.locator("#verification").count() == 0:
        with page.expect_navigation():
            page.locator("main form[action='/audit'] [type=submit]").first.click()
    expect(page.locator("#verification [role=alert]")).to_be_visible()
    expect(page.locator("#verification [role=status]")).to_have_count(0)
    shot(page, "audit-tampered")
    check_accessibility(page, "audit-tampered")
