"""A coordinator's week in a real browser: log in, see the dashboard, generate a week plan for
幸福社区, watch it solve, open the roster board, replace and pin people from the ranked
candidates, review the changes and publish. Plus the guards: CSRF, login, headers, language.

Screenshots of every page (1280 px and 375 px) go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from linli_testing.stack import Stack

from .conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

COORDINATOR = "coord_xingfu"


def test_coordinator_generates_pins_and_publishes(page: Page, stack: Stack) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_label("用户名")).to_be_visible()
    screenshot(page, "01-login")

    login(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="幸福社区")).to_be_visible()
    volunteers = page.locator("section[aria-labelledby^='c-'] .stat").first
    assert int(volunteers.inner_text()) > 0
    screenshot(page, "02-dashboard")

    page.get_by_role("link", name="排班计划").first.click()
    expect(page.get_by_role("heading", name="生成排班")).to_be_visible()
    expect(page.get_by_label("幸福社区")).to_be_checked()
    page.get_by_label("一周（从开始日期起7天）").check()
    page.get_by_label("计划名称（可不填）").fill("三月第一周")
    screenshot(page, "03-plans")
    page.get_by_role("button", name="生成排班").click()

    # The progress page polls until the solver is done, then shows the report.
    expect(page.get_by_role("heading", name="三月第一周")).to_be_visible()
    if page.locator("#solve-progress").count():
        screenshot(page, "04-plan-solving")
    expect(page.get_by_role("heading", name="排班结果")).to_be_visible(timeout=90_000)
    plan_id = int(re.search(r"/plans/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("#plan-state")).to_have_text("已排好，未发布")
    heat = page.locator("svg[aria-labelledby='heat-title heat-desc']")
    expect(heat).to_be_visible()
    assert heat.locator("rect title").count() > 0
    expect(page.locator("svg[aria-labelledby='hours-title hours-desc']")).to_be_visible()
    screenshot(page, "05-plan-solved")

    page.get_by_role("link", name="打开排班表").click()
    expect(page.get_by_role("heading", name="排班表")).to_be_visible()
    first_shift = page.locator(".roster-table .shift a").first
    expect(first_shift).to_be_visible()
    screenshot(page, "06-roster")

    # Replace the first person on the first shift with the best-ranked candidate.
    first_shift.click()
    expect(page.get_by_role("heading", name="调整班次")).to_be_visible()
    on_shift = page.locator("section[aria-labelledby='on-shift'] li")
    leaving = on_shift.first.locator("span").first.inner_text()
    on_shift.first.get_by_role("link", name="替换").click()
    expect(page.get_by_text(f"正在为{leaving}找替换人选")).to_be_visible()
    candidate = page.locator("ol.candidates li").first
    newcomer = candidate.locator("strong").inner_text()
    screenshot(page, "07-slot-candidates")
    candidate.get_by_role("button", name="替换为此人").click()
    expect(page.get_by_text("已替换。")).to_be_visible()
    expect(page.locator(".roster-table .pinned", has_text=newcomer).first).to_be_visible()

    # Pin someone else the solver chose, on the same shift.
    page.locator(".roster-table .shift a").first.click()
    unpinned = page.locator("section[aria-labelledby='on-shift'] li",
                            has=page.get_by_role("button", name="固定", exact=True)).first
    pinned_name = unpinned.locator("span").first.inner_text()
    unpinned.get_by_role("button", name="固定", exact=True).click()
    expect(page.get_by_text("已固定。")).to_be_visible()
    expect(page.locator("section[aria-labelledby='on-shift'] .pinned",
                        has_text=pinned_name)).to_be_visible()

    # Review what publishing sends, then publish.
    page.goto(f"/plans/{plan_id}/publish")
    expect(page.get_by_role("heading", name="发布前核对")).to_be_visible()
    expect(page.get_by_text(re.compile(r"首次发布：将通知\d+名志愿者"))).to_be_visible()
    page.get_by_text("展开全部").click()
    expect(page.locator("li.diff-add", has_text=newcomer).first).to_be_visible()
    assert page.locator("li.diff-add", has_text=leaving).count() == 0 or leaving == newcomer
    screenshot(page, "08-publish-review")
    page.get_by_role("button", name="确认发布并通知志愿者").click()
    expect(page.get_by_text(re.compile(r"已发布，发出\d+条通知"))).to_be_visible()
    expect(page.locator("#plan-state")).to_have_text("已发布")
    screenshot(page, "09-published")

    # The scheduler holds what the pages showed: the newcomer is pinned in the published plan.
    token = stack.token(COORDINATOR)
    rows = requests.get(f"{stack.urls['scheduler']}/plans/{plan_id}/assignments",
                        params={"page_size": 500}, timeout=30,
                        headers={"Authorization": f"Bearer {token}"}).json()
    pinned = {row["volunteer_name"] for row in rows if row["pinned"]}
    assert newcomer in pinned and pinned_name in pinned
    plan = requests.get(f"{stack.urls['scheduler']}/plans/{plan_id}", timeout=30,
                        headers={"Authorization": f"Bearer {token}"}).json()
    assert plan["state"] == "published" and plan["published_version"] == 1


def test_logged_out_visitors_get_the_login_page(page: Page) -> None:
    for path in ("/dashboard", "/plans", "/plans/1/roster"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_wrong_password_is_refused_readably(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(COORDINATOR)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, stack: Stack) -> None:
    login(page, COORDINATOR)
    # The session is valid; only the token is missing, as in a forged cross-site form.
    answer = page.request.post("/plans", form={"community_id": "1", "start": "2026-03-02",
                                               "period": "week"})
    assert answer.status == 400
    assert "表单校验失败" in answer.text()
    forged = page.request.post("/logout", form={"csrf_token": "forged"})
    assert forged.status == 400
    cross_site = page.request.post("/logout", headers={"Origin": "https://evil.example"},
                                   form={"csrf_token": "whatever"})
    assert cross_site.status == 400
    # Still logged in: none of the refused posts did anything.
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    listed = requests.get(f"{stack.urls['scheduler']}/plans", timeout=30, headers={
        "Authorization": f"Bearer {stack.token(COORDINATOR)}"}).json()
    assert all(plan["title"] != "" for plan in listed)


def test_security_headers_and_cookie_flags(page: Page) -> None:
    answer = page.goto("/login")
    assert answer is not None
    headers = answer.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    login(page, COORDINATOR)
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["linli_session"]
    assert session["httpOnly"] is True and session["sameSite"] == "Lax"


def test_english_switch(page: Page) -> None:
    login(page, COORDINATOR)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Plans").first.click()
    expect(page.get_by_role("heading", name="Generate a plan")).to_be_visible()
    screenshot(page, "10-plans-english")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="生成排班")).to_be_visible()
