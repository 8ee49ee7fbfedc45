"""The county's pages that read, in a real Chromium: sign-in, the plans, a plan, the totals, the
language switch, sign-out. The Negomir 2024 story is complete (registered, avizat, approved by
HCL with the client), so every page has something to show."""
import csv
import io
import re

from playwright.sync_api import expect

from conftest import PASSWORD, sign_in, session_cookie, use_session


def test_a_page_asked_before_signing_in_leads_to_the_sign_in_page(page, negomir):
    page.goto(f"{negomir.url}/plans")
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto(f"{negomir.url}/plans/{negomir.plan}")
    expect(page).to_have_url(re.compile(r"/signin$"))


def test_sign_in_refuses_a_wrong_password_and_keeps_the_account_typed(page, negomir, shot):
    page.goto(f"{negomir.url}/signin")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    shot(page, "signin")
    reviewer = negomir.accounts["reviewer"]
    sign_in(page, negomir.url, reviewer, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.locator("p.problem[role=alert]")).to_be_visible()
    expect(page.locator("input[name=account]")).to_have_value(reviewer.id)
    expect(page.locator("input[name=password]")).to_have_value("")
    shot(page, "signin-refused")


def test_sign_in_lands_on_the_plans_with_negomir(page, context, negomir, shot):
    sign_in(page, negomir.url, negomir.accounts["reviewer"])
    expect(page).to_have_url(re.compile(r"/plans$"))
    assert session_cookie(context), "signed in without a session cookie"
    expect(page.locator("header")).to_contain_text("Maria Dinu")
    row = page.locator("table.list tbody tr", has_text="NEGOMIR")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("80980")
    expect(row.locator(f"a[href='/plans/{negomir.plan}']")).to_have_text("2024")
    shot(page, "plans")


def test_the_header_links_to_the_plans_and_the_totals(page, negomir):
    use_session(page, negomir, "reviewer")
    page.goto(f"{negomir.url}/plans")
    nav = page.locator("header nav")
    expect(nav.locator("a[href='/plans']")).to_have_count(1)
    expect(nav.locator("a[href='/totals']")).to_have_count(1)


def test_plans_filter_by_state_and_year_and_sort(page, negomir, shot):
    use_session(page, negomir, "reviewer")
    page.goto(f"{negomir.url}/plans")
    states = page.locator("select#state option").evaluate_all("os => os.map(o => [o.value, o.textContent])")
    negomir_state = page.locator("table.list tbody tr", has_text="NEGOMIR").locator("td").nth(2).inner_text().strip()
    # the cell reads "v1 · aprobat prin HCL": the version, then the state's label
    matching = [value for value, label in states if value and negomir_state.endswith(label.strip())]
    assert matching, f"the state filter offers no option for Negomir's state {negomir_state!r}: {states}"
    other = next(value for value, label in states if value and value != matching[0])

    page.select_option("select#state", matching[0])
    page.select_option("select#year", "2024")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert f"state={matching[0]}" in page.url and "year=2024" in page.url
    expect(page.locator(f"table.list a[href='/plans/{negomir.plan}']")).to_have_count(1)
    expect(page.locator("select#state")).to_have_value(matching[0])
    shot(page, "plans-filtered")

    page.select_option("select#state", other)
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    expect(page.locator(f"table.list a[href='/plans/{negomir.plan}']")).to_have_count(0)

    page.goto(f"{negomir.url}/plans")
    headers = page.locator("table.list thead th a")
    assert headers.count() >= 5
    headers.nth(1).click()
    page.wait_for_load_state()
    assert "sort=" in page.url
    expect(page.locator("table.list thead th[aria-sort]")).to_have_count(1)


def test_the_plan_page_lays_out_the_plan_with_findings_and_history(page, negomir, shot):
    use_session(page, negomir, "reviewer")
    page.goto(f"{negomir.url}/plans")
    page.click(f"table.list a[href='/plans/{negomir.plan}']")
    expect(page).to_have_url(re.compile(re.escape(f"/plans/{negomir.plan}") + "$"))
    expect(page.locator("main > h1")).to_contain_text("NEGOMIR")
    document = page.locator(".plan-document")
    expect(document).to_contain_text("PLANUL ANUAL DE ACȚIUNE")
    expect(document).to_contain_text("Servicii la domiciliu prin asistent personal")
    expect(page.locator("main")).to_contain_text("aprobat")  # approved by HCL 17/27.03.2024
    history = page.locator("ol.history li")
    assert history.count() > 5
    expect(page.locator("ol.history")).to_contain_text("Ana Popescu")
    expect(page.locator("ol.history")).to_contain_text("Maria Dinu")  # the county's acts are people's acts too
    shot(page, "plan")


def test_another_uats_plan_or_a_made_up_one_is_not_found(page, negomir, shot):
    use_session(page, negomir, "reviewer")
    page.goto(f"{negomir.url}/plans")
    response = page.goto(f"{negomir.url}/plans/nosuchplan.1")
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    expect(page.locator("main > h1")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Maria Dinu")  # a page of the site, not a stack trace
    shot(page, "not-found")


def _total_line(page, label):
    return page.locator("table.list tbody tr", has=page.locator("th", has_text=label))


def test_totals_by_source_service_and_uat_with_chart_and_csv(page, negomir, shot):
    use_session(page, negomir, "reviewer")
    page.goto(f"{negomir.url}/plans")
    page.goto(f"{negomir.url}/totals?by=uat")
    expect(page.locator("main > h1")).to_contain_text("UAT")
    expect(page.locator("figure svg")).to_have_count(1)
    line = _total_line(page, "NEGOMIR")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("450.000 lei")
    expect(page.locator("nav.tabs a[aria-current=page]")).to_have_attribute("href", "/totals?by=uat")
    shot(page, "totals")

    with page.expect_download() as download:
        page.click("a[href='/totals.csv?by=uat']")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) >= 2, rows
    assert any("NEGOMIR" in cell for row in rows for cell in row), rows

    for by in ["source", "service"]:
        page.click(f"nav.tabs a[href='/totals?by={by}']")
        expect(page).to_have_url(re.compile(f"by={by}$"))
        expect(page.locator("figure svg")).to_have_count(1)
        expect(page.locator("table.list tbody tr")).not_to_have_count(0)
        shot(page, f"totals-{by}")
    expect(page.locator("table.list")).to_contain_text("Servicii la domiciliu prin asistent personal")


def test_english_is_one_click_away_and_stays(page, negomir, shot):
    use_session(page, negomir, "reviewer")
    page.goto(f"{negomir.url}/plans")
    page.click("header nav a[lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header button[type=submit]")).to_have_text("Sign out")
    shot(page, "plans-en")
    page.goto(f"{negomir.url}/totals?by=source")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("header nav a[lang=ro]")
    expect(page.locator("html")).to_have_attribute("lang", "ro")


def test_an_auditor_reads_the_same_pages(page, negomir):
    use_session(page, negomir, "auditor")
    page.goto(f"{negomir.url}/plans")
    expect(page).to_have_url(re.compile(r"/plans$"))
    page.goto(f"{negomir.url}/plans/{negomir.plan}")
    expect(page.locator(".plan-document")).to_contain_text("NEGOMIR")
    expect(page.locator("form#register, form#remark, form#aviz")).to_have_count(0)


def test_sign_out_from_the_header(page, negomir):
    sign_in(page, negomir.url, negomir.accounts["reviewer"])
    with page.expect_navigation():
        page.click("form.signout button[type=submit]")
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto(f"{negomir.url}/plans")
    expect(page).to_have_url(re.compile(r"/signin$"))


def test_the_password_field_is_a_password_field(page, negomir):
    page.goto(f"{negomir.url}/signin")
    expect(page.locator("input[name=password]")).to_have_attribute("type", "password")
    expect(page.locator("input[name=password]")).to_have_attribute("autocomplete", "current-password")
    assert PASSWORD["reviewer"] not in page.content()
