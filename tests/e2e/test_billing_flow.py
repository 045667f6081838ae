"""Browser walk of billing: a manager quotes a shop, records the acceptance, makes the contract, bills the
month, approves and issues the invoice; the director marks it paid; the merchant reads its own invoices."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.kernel import config
from core.kernel.months import month_of
from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, login, logout

pytestmark = pytest.mark.e2e
PROJECT = "潮流服饰 · 潮流服饰-售前客服"


def picked(page, label: str, text: str):
    """The visible selectbox `label` showing an option containing `text` (a rerun may briefly draw a stale copy)."""
    return page.get_by_role("tabpanel").locator(f'input[aria-label="{label}"][value*="{text}"]').first


def test_quote_accept_contract_bill_issue_and_pay(server, page):
    base, logins = server
    month = month_of(config.today())  # the contract starts today: its first month is this one
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/quotes")
    expect(page.get_by_role("heading", name="报价", exact=True)).to_be_visible()
    page.get_by_role("tab", name="新建报价").click()
    panel = page.get_by_role("tabpanel")
    choose(page, panel, "项目", PROJECT)
    expect(panel.get_by_text("店铺信息：类目 女装", exact=False)).to_be_visible()
    panel.get_by_role("button", name="预览报价").click()
    expect(panel.get_by_text("建议坐席：", exact=False)).to_be_visible()
    panel.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_text("报价草稿已保存。")).to_be_visible()
    page.get_by_role("tab", name="报价单").click()
    panel = page.get_by_role("tabpanel")
    expect(picked(page, "查看报价", "潮流服饰 · 潮流服饰-售前客服")).to_be_visible()
    expect(page.get_by_text("状态：草稿", exact=False)).to_be_visible()
    panel.get_by_role("button", name="标记为已发送给商家").click()
    expect(page.get_by_text("报价已标记为已发送。")).to_be_visible()
    page.get_by_role("tabpanel").get_by_text("商家已答复（接受或拒绝）").click()
    page.get_by_role("tabpanel").get_by_role("button", name="商家接受", disabled=False).click()
    expect(page.get_by_text("报价已接受，可以生成合同。")).to_be_visible()
    shot(page, "billing-quote-accepted")

    page.goto(base + "/contracts")
    expect(page.get_by_role("heading", name="合同", exact=True)).to_be_visible()
    page.get_by_role("button", name="生成合同").click()
    expect(page.get_by_text("合同已生成。")).to_be_visible()
    shot(page, "billing-contract")

    page.goto(base + "/billing")
    expect(page.get_by_role("heading", name="月度账单")).to_be_visible()
    panel = page.get_by_role("tabpanel")
    choose(page, panel, "月份", month)
    panel.get_by_role("button", name=f"生成 {month} 账单").click()
    expect(page.get_by_text(f"{month}：已核算", exact=False)).to_be_visible(timeout=60_000)
    panel = page.get_by_role("tabpanel")
    panel.get_by_label("搜索").fill("潮流服饰")
    panel.get_by_label("搜索").press("Enter")
    expect(picked(page, "查看账单", "潮流服饰-售前客服")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").filter(has_text="草稿").first).to_be_visible()
    page.get_by_text("坐席费", exact=False).first.click()
    expect(page.get_by_text("坐席数 × 每席月价 × 服务天数 / 当月天数").first).to_be_visible()
    panel.get_by_text("我已核对每一行").click()
    panel.get_by_role("button", name="审核并锁定", disabled=False).click()
    expect(page.get_by_text("账单已审核锁定。")).to_be_visible()
    panel = page.get_by_role("tabpanel")
    panel.get_by_text("开具后账单永不再改动").click()
    panel.get_by_role("button", name="开具给商家", disabled=False).click()
    expect(page.get_by_text("账单已开具。")).to_be_visible()
    expect(page.get_by_text("收款由客服总监登记。")).to_be_visible()
    shot(page, "billing-issued")
    logout(page)

    login(page, base, "admin", logins["admin"])
    page.goto(base + "/billing")
    panel = page.get_by_role("tabpanel")
    choose(page, panel, "月份", month)
    panel.get_by_label("搜索").fill("潮流服饰")
    panel.get_by_label("搜索").press("Enter")
    expect(picked(page, "查看账单", "潮流服饰-售前客服")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").filter(has_text="已开具").first).to_be_visible()
    panel.get_by_role("button", name="登记收款").click()
    expect(page.get_by_text("收款已登记。")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").filter(has_text="已付款").first).to_be_visible()
    shot(page, "billing-paid")
    page.goto(base + "/receivables")
    expect(page.get_by_role("heading", name="应收账款")).to_be_visible()
    expect(page.get_by_text("逾期账单")).to_be_visible()
    shot(page, "billing-receivables")
    logout(page)

    login(page, base, "merchant", logins["merchant"])
    page.goto(base + "/billing")
    expect(page.get_by_role("heading", name="月度账单")).to_be_visible()
    expect(page.get_by_role("tab", name="我的账单")).to_be_visible()
    expect(page.get_by_role("button", name="审核并锁定")).to_have_count(0)
    expect(page.get_by_text("潮流服饰")).to_have_count(0)
    shot(page, "billing-merchant")
