"""Browser walk of the Monday meeting and the merchant's reports."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, logout, settle

pytestmark = pytest.mark.e2e


def test_monday_meeting_exports_and_merchant_weekly_report(server, page):
    base, logins = server
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/monday")
    expect(page.get_by_role("heading", name="工作总结")).to_be_visible()
    settle(page)
    with page.expect_download() as excel:
        page.get_by_role("button", name="下载 Excel").click()
    assert excel.value.suggested_filename.endswith(".xlsx")
    assert open(excel.value.path(), "rb").read(2) == b"PK"
    with page.expect_download() as printable:
        page.get_by_role("button", name="下载可打印版", exact=False).click()
    text = open(printable.value.path(), encoding="utf-8").read()
    assert "<h1>每周例会" in text and "工作总结" in text
    page.get_by_text("演示模式").click()
    expect(page.get_by_role("heading", name="工作总结")).to_be_visible()
    expect(page.get_by_role("heading", name="投诉")).to_have_count(0)
    expect(page.get_by_role("combobox", name="范围")).to_have_count(0)  # a slide shows the figures, not the pickers
    shot(page, "monday-presentation")
    page.get_by_role("button", name="▶").click()
    expect(page.get_by_role("heading", name="表扬及批评")).to_be_visible()
    page.get_by_role("button", name="退出演示").click()
    expect(page.get_by_role("combobox", name="范围")).to_be_visible()
    expect(page.get_by_role("heading", name="投诉")).to_be_visible(
        timeout=20_000
    )  # the whole page again: every section, slow under CI load
    logout(page)

    login(page, base, "merchant", logins["merchant"])
    page.goto(base + "/reports")
    expect(page.get_by_text("欢迎查看您的服务报表")).to_be_visible()
    page.get_by_role("button", name="知道了").click()
    expect(page.get_by_text("欢迎查看您的服务报表")).to_have_count(0)
    settle(page)
    page.get_by_test_id("stButtonGroup").get_by_text("周报", exact=True).click()
    expect(
        page.get_by_role("heading", name=re.compile(r"周报 \d{4}-\d{2}-\d{2} ~"))
    ).to_be_visible()  # the rerun has landed
    shot(page, "merchant-weekly-report")
    settle(page)
    with page.expect_download() as weekly_xlsx:
        page.get_by_role("button", name="下载 Excel").click()
    assert weekly_xlsx.value.suggested_filename.startswith("report-weekly-")
    page.goto(base + "/reports?project=2")  # the second demo merchant's project
    expect(page.get_by_text("找不到该记录，或您无权查看")).to_be_visible()
    expect(page.get_by_text("鲜果坊")).to_have_count(0)
