"""Browser walk of the KPI capability: a manager imports the sample files and reads the figures."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SAMPLES
from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, login

pytestmark = pytest.mark.e2e


def test_manager_imports_sample_logs_and_sees_them_on_the_dashboard(server, page):
    base, logins = server
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/kpi_import")
    choose(page, page, "选择项目", "数码先锋 · 数码先锋-售前客服")
    uploads = page.locator("[data-testid=stFileUploader] input[type=file]")
    uploads.nth(0).set_input_files(str(SAMPLES / "messages.csv"))
    uploads.nth(1).set_input_files(str(SAMPLES / "orders.csv"))
    expect(page.get_by_text("messages.csv")).to_be_visible()
    page.get_by_role("button", name="检查文件").first.click()
    expect(page.get_by_text("检查通过：3003条消息，117个订单，日期 2026-10-01 至 2026-10-07。")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成", exact=False)).to_be_visible(timeout=60_000)
    shot(page, "kpi-import-done")
    page.get_by_role("link", name="打开KPI看板").click()
    expect(page.get_by_role("heading", name="每日趋势")).to_be_visible()
    expect(page.get_by_role("heading", name="客服明细与排名")).to_be_visible()
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    page.get_by_role("heading", name="客服明细与排名").scroll_into_view_if_needed()
    shot(page, "kpi-dashboard-after-import")
    # the ranking chart (drawn from the per-agent table) names the six sample agents
    for agent in ("店铺:小美", "店铺:阿杰", "店铺:Amy", "店铺:晓晓", "店铺:bob", "店铺:cc"):
        expect(page.locator("svg text", has_text=agent).first).to_be_attached()
