"""The whole flow in a real browser, as one story on one stack (the demo county):

a coordinator logs in, generates a week plan for 幸福社区 and watches it solve, opens the roster
board, replaces and pins people from the ranked candidates, reviews the changes and publishes;
a volunteer opens the link the notifier delivered for that plan, in a browser of their own, and
declines with a reason; the coordinator sees the decline, repairs and publishes the repair;
then records attendance (one attended, one absent) and takes the exports.

The guards run on the same stack: logged-out visitors, the login form by keyboard, CSRF,
security headers, the English switch and the import page. Every page is photographed at 1280
and 375 px wide (test-artifacts/screenshots/). Pages do every step of the story; the APIs are
only read, to check that the services hold what the pages showed.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from linli_testing.stack import Stack

from .conftest import PHONE, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

COORDINATOR = "coord_xingfu"
TITLE = "三月第一周"
DECLINE_REASON = "家里老人住院"
ABSENT_REASON = "临时发烧，未请假"


def shoot(page: Page, step: int, name: str) -> None:
    """The shared screenshots (1280 and 375 px), numbered in the story's order."""
    screenshot(page, f"walk-{step:02d}-{name}")


def read(stack: Stack, service: str, path: str, *, user: str = COORDINATOR,
         **params: Any) -> Any:
    """GET from a service (as the coordinator unless told): only to check what the pages
    did."""
    answer = requests.get(f"{stack.urls[service]}{path}", params=params or None, timeout=30,
                          headers={"Authorization": f"Bearer {stack.token(user)}"})
    assert answer.status_code == 200, (answer.status_code, answer.text)
    return answer.json()


def published_rows(stack: Stack, plan_id: int) -> list[dict[str, Any]]:
    """Assignments of the plan's published version."""
    plan = read(stack, "scheduler", f"/plans/{plan_id}")
    return list(read(stack, "scheduler", f"/plans/{plan_id}/assignments", page_size=500,
                     version=plan["published_version"]))


def delivered_decline_link(stack: Stack, plan_id: int, rows: list[dict[str, Any]]
                           ) -> tuple[str, dict[str, Any]]:
    """A decline link the notifier delivered for this plan, for an assignment nobody pinned:
    (URL, what the link answers according to the notifier)."""
    unpinned = {int(r["assignment_id"]) for r in rows if not r["pinned"]}
    pattern = re.escape(stack.urls["portal"]) + r"/responses/([A-Za-z0-9._-]+)\?response=declined"
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        for volunteer in dict.fromkeys(int(r["volunteer_id"]) for r in rows):
            # As the administrator: the solver may staff 幸福社区 with a volunteer of a partner
            # community, whose inbox its coordinator rightly cannot read.
            inbox = read(stack, "notifier", "/inbox", user="admin", volunteer_id=volunteer)
            for token in re.findall(pattern, "\n".join(i["body"] for i in inbox["items"])):
                grant = requests.get(f"{stack.urls['notifier']}/responses/{token}",
                                     timeout=30).json()
                if grant.get("plan_id") == plan_id and grant["assignment_id"] in unpinned:
                    return (f"{stack.urls['portal']}/responses/{token}?response=declined",
                            grant)
        time.sleep(0.5)
    raise AssertionError(f"no decline link delivered for plan {plan_id}\n{stack.logs()}")


def test_the_whole_flow(page: Page, browser: Browser, stack: Stack) -> None:
    # -- the coordinator generates, adjusts and publishes ----------------------------------
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    shoot(page, 1, "login")
    login(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="幸福社区")).to_be_visible()
    volunteers = page.locator("section[aria-labelledby^='c-'] .stat").first
    assert int(volunteers.inner_text()) > 0
    shoot(page, 2, "dashboard")

    page.get_by_role("link", name="排班计划").first.click()
    expect(page.get_by_role("heading", name="生成排班")).to_be_visible()
    expect(page.get_by_label("幸福社区")).to_be_checked()
    page.get_by_label("一周（从开始日期起7天）").check()
    page.get_by_label("计划名称（可不填）").fill(TITLE)
    shoot(page, 3, "plans")
    page.get_by_role("button", name="生成排班").click()

    # The progress page polls until the solver is done, then shows the report.
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    if page.locator("#solve-progress").count():
        shoot(page, 4, "plan-solving")
    expect(page.get_by_role("heading", name="排班结果")).to_be_visible(timeout=90_000)
    plan_id = int(re.search(r"/plans/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("#plan-state")).to_have_text("已排好，未发布")
    heat = page.locator("svg[aria-labelledby='heat-title heat-desc']")
    expect(heat).to_be_visible()
    assert heat.locator("rect title").count() > 0
    expect(page.locator("svg[aria-labelledby='hours-title hours-desc']")).to_be_visible()
    shoot(page, 5, "plan-solved")

    page.get_by_role("link", name="打开排班表").click()
    expect(page.get_by_role("heading", name="排班表")).to_be_visible()
    first_shift = page.locator(".roster-table .shift a").first
    expect(first_shift).to_be_visible()
    shoot(page, 6, "roster")

    # Replace the first person on the first shift with the best-ranked candidate.
    first_shift.click()
    expect(page.get_by_role("heading", name="调整班次")).to_be_visible()
    on_shift = page.locator("section[aria-labelledby='on-shift'] li")
    leaving = on_shift.first.locator("span").first.inner_text()
    on_shift.first.get_by_role("link", name="替换").click()
    expect(page.get_by_text(f"正在为{leaving}找替换人选")).to_be_visible()
    candidate = page.locator("ol.candidates li").first
    newcomer = candidate.locator("strong").inner_text()
    shoot(page, 7, "slot-candidates")
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
    shoot(page, 8, "slot-pinned")

    # Review what publishing sends, then publish.
    page.goto(f"/plans/{plan_id}")
    page.get_by_role("link", name="查看变化并发布").click()
    expect(page.get_by_role("heading", name="发布前核对")).to_be_visible()
    expect(page.get_by_text(re.compile(r"首次发布：将通知\d+名志愿者"))).to_be_visible()
    page.get_by_text("展开全部").click()
    expect(page.locator("li.diff-add", has_text=newcomer).first).to_be_visible()
    assert page.locator("li.diff-add", has_text=leaving).count() == 0 or leaving == newcomer
    shoot(page, 9, "publish-review")
    page.get_by_role("button", name="确认发布并通知志愿者").click()
    expect(page.get_by_text(re.compile(r"已发布，发出\d+条通知"))).to_be_visible()
    expect(page.locator("#plan-state")).to_have_text("已发布")
    shoot(page, 10, "published")

    # The scheduler holds what the pages showed.
    rows = published_rows(stack, plan_id)
    pinned = {row["volunteer_name"] for row in rows if row["pinned"]}
    assert newcomer in pinned and pinned_name in pinned
    plan = read(stack, "scheduler", f"/plans/{plan_id}")
    assert plan["state"] == "published" and plan["published_version"] == 1

    # -- a volunteer declines from the link in their message, in a browser of their own ----
    link, grant = delivered_decline_link(stack, plan_id, rows)
    assignment, volunteer = int(grant["assignment_id"]), int(grant["volunteer_id"])
    declined = next(r for r in rows if r["assignment_id"] == assignment)
    someone_else = next(r for r in rows if r["volunteer_id"] != volunteer)
    phone = browser.new_context(viewport=PHONE, base_url=stack.urls["portal"], locale="zh-CN")
    phone.set_default_timeout(20_000)
    try:
        assert phone.cookies() == []
        mobile = phone.new_page()
        mobile.goto(link)
        expect(mobile).to_have_url(re.compile(rf"/v/shifts/{assignment}\?response=declined$"))
        expect(mobile.locator("#response-declined")).to_be_checked()
        expect(mobile.locator("html")).to_have_attribute("lang", "zh-CN")
        shoot(mobile, 11, "volunteer-shift")
        mobile.get_by_label("不能参加的原因（选填）").fill(DECLINE_REASON)
        mobile.get_by_role("button", name="提交答复").click()
        expect(mobile).to_have_url(re.compile(rf"/v/shifts/{assignment}$"))
        expect(mobile.locator("#answer-status")).to_contain_text("已请假")
        expect(mobile.locator("#answer-status")).to_contain_text(DECLINE_REASON)
        shoot(mobile, 12, "volunteer-declined")

        mobile.goto("/v/")
        expect(mobile.locator("h2#coming")).to_be_visible()
        assert mobile.get_by_role("link", name="订阅我的全部班次（手机日历）").get_attribute(
            "href").startswith("webcal://")  # type: ignore[union-attr]
        shoot(mobile, 13, "volunteer-home")
        mobile.goto("/v/hours")
        expect(mobile.locator("#total-hours")).to_be_visible()
        shoot(mobile, 14, "volunteer-hours")
        mobile.goto("/v/availability")
        expect(mobile.get_by_label("星期").first).to_be_visible()
        shoot(mobile, 15, "volunteer-availability")
        mobile.locator("a.lang").click()
        expect(mobile.get_by_role("heading", name="Availability and leave")).to_be_visible()
        shoot(mobile, 16, "volunteer-availability-en")

        # Another volunteer's shift stays closed to this session, whatever the URL says.
        other = mobile.request.get(f"/v/shifts/{someone_else['assignment_id']}")
        assert other.status == 404
        # A form posted without its CSRF token is refused, and records nothing.
        forged = mobile.request.post(f"/v/shifts/{assignment}/answer",
                                     form={"response": "confirmed"})
        assert forged.status == 400
    finally:
        phone.close()
    answers = [r for r in read(stack, "notifier", f"/plans/{plan_id}/responses")
               if r["assignment_id"] == assignment]
    assert [(a["response"], a["reason"]) for a in answers] == [("declined", DECLINE_REASON)]

    # -- the coordinator, in their own session, sees the decline, repairs and publishes ----
    page.goto(f"/plans/{plan_id}")
    page.get_by_role("link", name="查看确认与请假").click()
    expect(page).to_have_url(re.compile(rf"/c/plans/{plan_id}/responses$"))
    deadline = time.monotonic() + 30
    while page.locator("#repair-button").count() == 0:
        assert time.monotonic() < deadline, page.content()
        time.sleep(0.5)
        page.reload()
    expect(page.locator("#decline-table")).to_contain_text(DECLINE_REASON)
    expect(page.locator("#decline-table")).to_contain_text(declined["volunteer_name"])
    expect(page.locator("#count-declined")).to_have_text("1")
    shoot(page, 17, "responses")
    page.locator("#repair-button").click()
    expect(page).to_have_url(re.compile(r"/changes$"))
    expect(page.locator(f'#diff-removed-list li[data-assignment="{assignment}"]')).to_have_count(1)
    shoot(page, 18, "repair-changes")
    page.locator("#publish-button").click()
    expect(page).to_have_url(re.compile(r"/responses$"))
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("#repair-button")).to_have_count(0)
    shoot(page, 19, "responses-after-repair")

    # The declined volunteer is off that slot; someone else is on it, or the gap has a reason.
    plan = read(stack, "scheduler", f"/plans/{plan_id}")
    assert plan["published_version"] == plan["version"]["number"] > 1
    slot = declined["shift_id"]
    on_slot = [r for r in published_rows(stack, plan_id) if r["shift_id"] == slot]
    assert volunteer not in {r["volunteer_id"] for r in on_slot}
    stand_ins = [r for r in on_slot if r["skill"] == declined["skill"]]
    before = [r for r in rows if r["shift_id"] == slot and r["skill"] == declined["skill"]]
    gaps = [u for u in read(stack, "scheduler", f"/plans/{plan_id}/report")["unfilled"]
            if str(u["shift_id"]) == str(slot) and u["skill"] == declined["skill"]]
    assert len(stand_ins) >= len(before) or (gaps and all(g["reason"] for g in gaps)), (
        on_slot, gaps)
    page.goto(f"/plans/{plan_id}/shifts/{slot}")
    on_shift = page.locator("section[aria-labelledby='on-shift']")
    expect(on_shift).not_to_contain_text(declined["volunteer_name"])
    if len(stand_ins) < len(before):
        expect(page.locator(".flash.warning").first).to_be_visible()
    shoot(page, 20, "slot-after-repair")

    # -- attendance: one volunteer came, another did not ------------------------------------
    page.goto(f"/plans/{plan_id}")
    page.get_by_role("link", name="签到考勤").click()
    expect(page.get_by_role("heading", name=f"考勤登记：{TITLE}")).to_be_visible()
    cards = page.locator("li.card[id^='attendance-']")
    assert cards.count() >= 2
    came, missing = (int(cards.nth(i).get_attribute("id").split("-")[1])  # type: ignore[union-attr]
                     for i in (0, 1))
    shoot(page, 21, "attendance")
    # The absence form refuses a post without its CSRF token, and records nothing.
    forged = page.request.post(f"/c/plans/{plan_id}/attendance/{missing}/absent",
                               form={"reason": "forged"})
    assert forged.status == 400
    assert read(stack, "scheduler", f"/assignments/{missing}/attendance")["absent_at"] is None

    page.locator(f"#attendance-{came}").get_by_role("button", name="到岗并确认时长").click()
    expect(page.locator(".flash.success")).to_contain_text("已登记")
    expect(page.locator(f"#attendance-{came} .badge.ok")).to_contain_text("已确认")
    card = page.locator(f"#attendance-{missing}")
    card.get_by_label(re.compile("缺席的原因（选填）")).fill(ABSENT_REASON)
    card.get_by_role("button", name="缺席", exact=True).click()
    expect(page.locator(".flash.success")).to_contain_text("缺席，不计服务时长")
    card = page.locator(f"#attendance-{missing}")
    expect(card.locator(".badge.bad")).to_have_text("缺席")
    expect(card).to_contain_text(ABSENT_REASON)
    expect(card.get_by_role("button")).to_have_count(0)
    shoot(page, 22, "attendance-recorded")
    record = read(stack, "scheduler", f"/assignments/{missing}/attendance")
    assert record["absent_reason"] == ABSENT_REASON and record["check_in_at"] is None
    attended = read(stack, "scheduler", f"/assignments/{came}/attendance")
    assert attended["confirmed_at"] and attended["absent_at"] is None

    page.get_by_role("link", name="English").click()
    expect(page.locator(f"#attendance-{missing} .badge.bad")).to_have_text("Absent")
    expect(page.locator(f"#attendance-{missing}")).to_contain_text(f"Reason: {ABSENT_REASON}")
    shoot(page, 23, "attendance-en")
    page.get_by_role("link", name="中文").click()

    # -- exports and the printed roster ----------------------------------------------------
    page.locator("nav.v-nav").get_by_role("link", name="导出").click()
    expect(page).to_have_url(re.compile(rf"/c/plans/{plan_id}/exports$"))
    shoot(page, 24, "exports")
    with page.expect_download() as download:
        page.locator("#roster-xlsx").click()
    assert download.value.suggested_filename == f"roster-plan-{plan_id}.xlsx"
    page.goto(f"/c/plans/{plan_id}/roster/print")
    assert page.locator("#roster-table tbody tr").count() > 0
    shoot(page, 25, "roster-print")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    page.emulate_media(media="screen")


def test_logged_out_visitors_get_the_login_page(page: Page) -> None:
    for path in ("/dashboard", "/plans", "/plans/1/roster", "/c/plans/1/attendance"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_the_login_form_works_by_keyboard_and_refuses_a_wrong_password(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("用户名").focus()
    page.keyboard.type(COORDINATOR)
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")
    # Every form field of the page has a label a screen reader can announce.
    for field in page.locator("input:not([type=hidden])").all():
        field_id = field.get_attribute("id")
        assert field_id and page.locator(f"label[for='{field_id}']").count() == 1


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, stack: Stack) -> None:
    login(page, COORDINATOR)
    before = [plan["id"] for plan in read(stack, "scheduler", "/plans")]
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
    # Still logged in, and none of the refused posts did anything.
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    assert [plan["id"] for plan in read(stack, "scheduler", "/plans")] == before


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
    screenshot(page, "walk-plans-english")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="生成排班")).to_be_visible()


def test_import_page(page: Page) -> None:
    login(page, COORDINATOR)
    page.goto("/c/import")
    expect(page.get_by_label("只检查，不保存")).not_to_be_checked()
    expect(page.get_by_label("名册文件")).to_be_visible()
    screenshot(page, "walk-import")
