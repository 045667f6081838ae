"""Browser walk of scheduling: a manager builds a week's roster and enters a +40 % promotion with 5 days'
notice; the agent reads its shifts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.kernel import config
from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, fill, form, login, logout

pytestmark = pytest.mark.e2e


def test_manager_builds_a_weeks_roster_and_plans_a_promotion_and_the_agent_reads_its_shifts(server, page):
    base, logins = server
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/schedule")
    expect(page.get_by_role("heading", name="排班表")).to_be_visible()
    choose(
        page, page, "选择项目", "鲜果坊 · 鲜果坊-售前客服 (培训中)"
    )  # its team starts on the go-live day, within two weeks
    page.get_by_text("2周", exact=True).click()
    expect(page.get_by_text("本期尚未排班").first).to_be_visible()
    page.get_by_role("button", name="生成排班建议").click()
    expect(page.get_by_text("已生成排班建议").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_text("冲突").or_(page.get_by_text("排班无冲突")).first).to_be_visible()
    shot(page, "schedule-roster")
    grid = page.get_by_test_id(
        "stDataFrame"
    ).first.bounding_box()  # the editor draws on a canvas: aim at the first agent's first day
    for _ in range(5):  # the grid takes a moment to accept edits after a rerun
        page.mouse.dblclick(grid["x"] + grid["width"] * 0.39, grid["y"] + 51)
        page.wait_for_timeout(800)
        if page.get_by_role("option", name="假", exact=True).is_visible():
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(1000)
    page.get_by_role("option", name="假", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(1000)  # the edit reaches the server before the save is clicked
    page.get_by_role("button", name="保存").first.click()
    expect(page.get_by_text("已保存，1 个班格有变化").first).to_be_visible(timeout=15_000)
    page.get_by_role("tab", name="逐小时覆盖").click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shot(page, "schedule-coverage")

    page.goto(base + "/staffing")
    expect(page.get_by_role("heading", name="人力测算与应急预案")).to_be_visible()
    choose(page, page, "选择项目", "优品家居旗舰店 · 优品家居旗舰店-售前客服 (已上线)")
    page.get_by_role("tab", name="大促应急预案").click()
    page.get_by_text("登记大促 / 活动").click()
    promo = form(page, 0)
    fill(promo, "活动名称", "品牌日")
    start = (config.today() + timedelta(days=5)).strftime("%Y%m%d")
    for label in ("开始日期", "结束日期"):  # a segmented date field: type year, month and day into its first segment
        promo.get_by_label(label, exact=True).get_by_role("spinbutton").first.click()
        page.keyboard.type(start)
        page.keyboard.press("Tab")
    fill(promo, "预计咨询量增幅(%)", "40")
    promo.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存").first).to_be_visible(timeout=30_000)
    choose(
        page,
        page,
        "活动",
        f"品牌日 · {(config.today() + timedelta(days=5)).isoformat()}–"
        f"{(config.today() + timedelta(days=5)).isoformat()} · +40%",
    )
    expect(page.get_by_text("通知期不足，仅提前 5 天，此增幅需要提前 7 天").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("建议上线的储备客服").first).to_be_visible()
    shot(page, "staffing-surge")
    page.get_by_role("tab", name="咨询量分布").click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    logout(page)

    login(page, base, "agent", logins["agent"])
    page.goto(base + "/my_schedule")
    expect(page.get_by_role("heading", name="我的排班")).to_be_visible()
    expect(page.get_by_text("未来两周的班次").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    shot(page, "schedule-my-shifts")
