"""Browser walk of the foundation: admin sets up a merchant end to end; the merchant reads it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, fill, form, login, logout

pytestmark = pytest.mark.e2e


def test_admin_onboards_a_merchant_and_the_merchant_sees_only_its_project(server, page):
    base, logins = server
    login(page, base, "admin", logins["admin"])

    # a merchant, and a project for it
    page.goto(base + "/merchants")
    page.get_by_text("新建商家").click()
    fill(page, "名称", "端到端测试商家")
    page.get_by_role("button", name="保存").first.click()
    expect(page.get_by_role("heading", name="端到端测试商家 · 淘宝")).to_be_visible()
    page.get_by_text("新建项目").click()
    fill(page, "项目名称", "售前客服")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_text("当前版本", exact=False)).to_have_count(0)
    expect(page.get_by_text("尚未填写订单确认表")).to_be_visible()

    # the order confirmation, filled and confirmed
    for label, value in [
        ("公司名称 *", "端到端测试有限公司"),
        ("联系人 *", "测试先生"),
        ("联系电话 *", "13900000000"),
        ("商家对接人 *", "测试先生"),
        ("日咨询量 *", "800"),
        ("首次响应时长(秒) *", "10"),
        ("平均响应时长(秒) *", "25"),
        ("30秒应答率 * (%)", "85"),
        ("询单转化率 * (%)", "25"),
        ("客单价(元) *", "120"),
        ("满意度 * (%)", "95"),
    ]:
        fill(page, label, value)
    page.get_by_text("资料已提交").click()
    page.get_by_text("资料已齐全").click()
    shot(page, "order-confirmation-form")
    page.get_by_role("button", name="确认并冻结版本").click()
    expect(page.get_by_text("订单确认表已确认")).to_be_visible()
    expect(page.get_by_text("当前版本 v1（已确认）", exact=False)).to_be_visible()

    # a merchant user tied to it
    page.goto(base + "/users")
    new_user = form(page, 0)
    fill(new_user, "用户名", "shop_e2e")
    fill(new_user, "姓名", "测试商家账号")
    choose(page, new_user, "角色", "商家")
    choose(page, new_user, "商家", "端到端测试商家")
    fill(new_user, "初始密码", "shop-pass-123")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_text("用户 shop_e2e 已创建")).to_be_visible()
    logout(page)

    # the merchant: its project, read-only, and nobody else's
    login(page, base, "shop_e2e", "shop-pass-123")
    page.goto(base + "/projects")
    expect(page.get_by_text("只读视图")).to_be_visible()
    expect(page.get_by_text("已确认版本 v1", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="确认并冻结版本")).to_have_count(0)
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)
    page.get_by_role("combobox", name="选择项目").click()
    options = page.get_by_role("option").all_inner_texts()
    assert options and all("端到端测试商家" in o for o in options), options
    page.keyboard.press("Escape")
    shot(page, "merchant-read-only")
    page.goto(base + "/projects?project=1")  # the first demo merchant's project
    expect(page.get_by_text("找不到该记录，或您无权查看")).to_be_visible()
    expect(page.get_by_text("优品家居")).to_have_count(0)
    page.goto(base + "/merchants")  # not a page of the merchant role: falls back to its home
    expect(page.get_by_role("heading", name="商家")).to_have_count(0)
