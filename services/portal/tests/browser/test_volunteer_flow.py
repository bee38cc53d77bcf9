"""The volunteer flow in a real headless Chromium on the demo county: a published plan's
volunteer opens the link the notifier delivered, declines with a reason; the coordinator sees
the decline, repairs and publishes; attendance, exports and the import page. Every page is
photographed at 1280 and 375 px wide."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from linli_testing.stack import Stack

from .conftest import DESKTOP, PHONE, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

COMMUNITY = 1
COORDINATOR = "coord_county"


def shoot(page: Any, name: str) -> None:
    """The shared screenshots (1280 and 375 px), named after this flow."""
    screenshot(page, f"volunteer-{name}")


def _api(stack: Stack, token: str, method: str, service: str, path: str,
         **kw: Any) -> requests.Response:
    answer = requests.request(method, f"{stack.urls[service]}{path}", timeout=60,
                              headers={"Authorization": f"Bearer {token}",
                                       **kw.pop("headers", {})}, **kw)
    assert answer.status_code < 400, (answer.status_code, answer.text)
    return answer


# The demo county's programme runs in the spring term of 2026; its first week.
WEEK = date(2026, 3, 2)


def publish_plan(stack: Stack, token: str) -> dict[str, Any]:
    """Create, solve and publish one week of one community, as the coordinator pages do."""
    start = WEEK
    plan = _api(stack, token, "POST", "scheduler", "/plans", json={
        "community_ids": [COMMUNITY], "start": start.isoformat(),
        "end": (start + timedelta(days=6)).isoformat(), "title": "浏览器测试周"}).json()
    _api(stack, token, "POST", "scheduler", f"/plans/{plan['id']}/solve",
         json={"time_limit": 3})
    deadline = time.monotonic() + 60
    while True:
        job = _api(stack, token, "GET", "scheduler", f"/plans/{plan['id']}/solve").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert job["status"] == "succeeded", job
    current = _api(stack, token, "GET", "scheduler", f"/plans/{plan['id']}")
    assert current.json()["version"]["assignment_count"] > 0, current.json()
    _api(stack, token, "POST", "scheduler", f"/plans/{plan['id']}/publish",
         headers={"If-Match": current.headers["ETag"]})
    return current.json()


def delivered_link(stack: Stack, token: str, plan_id: int) -> tuple[str, int, int]:
    """A decline link from what the notifier delivered: (URL, assignment, volunteer)."""
    rows = _api(stack, token, "GET", "scheduler", f"/plans/{plan_id}/assignments",
                params={"page_size": 500}).json()
    volunteers = list(dict.fromkeys(r["volunteer_id"] for r in rows))
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        for volunteer in volunteers:
            inbox = _api(stack, token, "GET", "notifier", "/inbox",
                         params={"volunteer_id": volunteer}).json()
            text = "\n".join(item["body"] for item in inbox["items"])
            links = re.findall(re.escape(stack.urls["portal"])
                               + r"/responses/[A-Za-z0-9._-]+\?response=declined", text)
            if links:
                token_part = links[0].split("/responses/")[1].split("?")[0]
                grant = requests.get(f"{stack.urls['notifier']}/responses/{token_part}",
                                     timeout=30).json()
                return links[0], int(grant["assignment_id"]), int(volunteer)
        time.sleep(0.5)
    raise AssertionError(f"no response link delivered\n{stack.logs()}")


def test_volunteer_declines_and_the_coordinator_repairs(stack: Stack, browser: Browser) -> None:
    coordinator_token = stack.token(COORDINATOR)
    plan = publish_plan(stack, coordinator_token)
    link, assignment, volunteer = delivered_link(stack, coordinator_token, plan["id"])
    others = [r for r in _api(stack, coordinator_token, "GET", "scheduler",
                              f"/plans/{plan['id']}/assignments",
                              params={"page_size": 500}).json()
              if r["volunteer_id"] != volunteer]

    # -- the volunteer, on a phone, from the link in their message -----------------------
    phone = browser.new_context(viewport=PHONE, base_url=stack.urls["portal"], locale="zh-CN")
    phone.set_default_timeout(20_000)
    page = phone.new_page()
    page.goto(link)
    assert re.search(rf"/v/shifts/{assignment}\?response=declined$", page.url), page.url
    assert page.locator("#response-declined").is_checked()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shoot(page, "shift")
    page.get_by_label("不能参加的原因（选填）").fill("家里老人住院")
    page.get_by_role("button", name="提交答复").click()
    page.wait_for_url(re.compile(rf"/v/shifts/{assignment}$"))
    assert "已请假" in page.locator("#answer-status").inner_text()
    assert "家里老人住院" in page.locator("#answer-status").inner_text()
    shoot(page, "shift-declined")

    page.goto(f"{stack.urls['portal']}/v/")
    assert page.locator("h2#coming").is_visible()
    assert page.get_by_role("link", name="订阅我的全部班次（手机日历）").get_attribute(
        "href").startswith("webcal://")
    shoot(page, "home")
    page.goto(f"{stack.urls['portal']}/v/hours")
    assert page.locator("#total-hours").is_visible()
    shoot(page, "hours")
    page.goto(f"{stack.urls['portal']}/v/availability")
    assert page.get_by_label("星期").first.is_visible()
    shoot(page, "availability")
    page.locator("a.lang").click()
    assert page.get_by_role("heading", name="Availability and leave").is_visible()
    shoot(page, "availability-en")

    # Another volunteer's shift stays closed to this session, whatever the URL says.
    other = page.request.get(f"{stack.urls['portal']}/v/shifts/{others[0]['assignment_id']}")
    assert other.status == 404
    # A form posted without its CSRF token is refused, and records nothing.
    forged = page.request.post(f"{stack.urls['portal']}/v/shifts/{assignment}/answer",
                               form={"response": "confirmed"})
    assert forged.status == 400
    mine = _api(stack, coordinator_token, "GET", "notifier", f"/plans/{plan['id']}/responses")
    answers = [r for r in mine.json() if r["assignment_id"] == assignment]
    assert answers[0]["response"] == "declined" and answers[0]["reason"] == "家里老人住院"
    phone.close()

    # -- the coordinator sees the decline, repairs and publishes --------------------------
    desk = browser.new_context(viewport=DESKTOP, base_url=stack.urls["portal"], locale="zh-CN")
    desk.set_default_timeout(20_000)
    page = desk.new_page()
    login(page, COORDINATOR)
    responses_url = f"{stack.urls['portal']}/c/plans/{plan['id']}/responses"
    deadline = time.monotonic() + 30
    page.goto(responses_url)
    while page.locator("#repair-button").count() == 0:
        assert time.monotonic() < deadline, page.content()
        time.sleep(0.5)
        page.reload()
    assert "家里老人住院" in page.locator("#decline-table").inner_text()
    assert page.locator("#count-declined").inner_text() == "1"
    shoot(page, "responses")
    page.locator("#repair-button").click()
    page.wait_for_url(re.compile(r"/changes$"))
    assert page.locator("#publish-button").is_visible()
    # The declined place is given up, and someone else takes a place in its stead.
    expect(page.locator(f'#diff-removed-list li[data-assignment="{assignment}"]')).to_have_count(1)
    assert page.locator("#diff-added-list li").count() >= 1
    shoot(page, "changes")
    page.locator("#publish-button").click()
    page.wait_for_url(re.compile(r"/responses$"))
    expect(page.locator(".flash.success")).to_be_visible()
    assert page.locator("#repair-button").count() == 0
    shoot(page, "responses-after-repair")
    published = _api(stack, coordinator_token, "GET", "scheduler", f"/plans/{plan['id']}").json()
    assert published["published_version"] == published["version"]["number"] > 1

    # -- attendance, exports, import ------------------------------------------------------
    page.goto(f"{stack.urls['portal']}/c/plans/{plan['id']}/attendance")
    shoot(page, "attendance")
    page.goto(f"{stack.urls['portal']}/c/plans/{plan['id']}/exports")
    shoot(page, "exports")
    with page.expect_download() as download:
        page.locator("#roster-xlsx").click()
    assert download.value.suggested_filename == f"roster-plan-{plan['id']}.xlsx"
    page.goto(f"{stack.urls['portal']}/c/plans/{plan['id']}/roster/print")
    assert page.locator("#roster-table tbody tr").count() > 0
    shoot(page, "roster-print")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    page.emulate_media(media="screen")
    page.goto(f"{stack.urls['portal']}/c/import")
    shoot(page, "import")
    desk.close()
