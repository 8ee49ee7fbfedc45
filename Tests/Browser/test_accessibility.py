"""axe-core on each county page that exists today, signed in as the role that uses it, in Romanian
and in English: no serious or critical violation (the others are printed). The pages that are
being built (acts, diff, history, audit, admin) are checked in test_county_acts.py."""
import pytest

from conftest import check_accessibility, sign_in, use_session

PAGES = [
    # (name, role or None for signed out, path)
    ("signin", None, "/signin"),
    ("signin-en", None, "/signin?lang=en"),
    ("plans", "reviewer", "/plans"),
    ("plans-filtered", "reviewer", "/plans?state=approved&year=2024&sort=uat"),
    ("plan", "reviewer", "/plans/{plan}"),
    ("plan-en", "reviewer", "/plans/{plan}?lang=en"),
    ("plan-auditor", "auditor", "/plans/{plan}"),
    ("totals", "reviewer", "/totals?by=uat"),
    ("totals-source", "reviewer", "/totals?by=source"),
    ("totals-service", "reviewer", "/totals?by=service"),
    ("not-found", "reviewer", "/plans/nosuchplan.1"),
]


@pytest.mark.parametrize("name,role,path", PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violation(page, negomir, shot, name, role, path):
    if role:
        use_session(page, negomir, role)
    page.goto(negomir.url + path.format(plan=negomir.plan))
    shot(page, f"axe-{name}")
    check_accessibility(page, name)


def test_the_refused_sign_in_has_no_serious_accessibility_violation(page, negomir):
    sign_in(page, negomir.url, negomir.accounts["reviewer"], password="wrong-password-1")
    page.locator("p.problem[role=alert]").wait_for()
    check_accessibility(page, "signin-refused")
