"""Browser walk of the platform exports: a manager imports a Tmall 客服绩效 file and a PDD
客服绩效详情 file as the backends name and lay them out (no date column: the day is in the file
name; summary and benchmark rows; 延迟统计) and sees the figures on the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.core.kpi.test_platform_exports import TMALL_NAME, pdd_file, tmall_rows, xlsx
from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, login, settle

pytestmark = pytest.mark.e2e


def upload_summary(page, path) -> None:
    page.get_by_role("tab", name="平台日报").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="日报文件").locator("input[type=file]")
    uploader.set_input_files(str(path))


def test_manager_imports_a_tmall_and_a_pdd_file_and_sees_them_on_the_dashboard(server, page, tmp_path):
    base, logins = server
    login(page, base, "manager", logins["manager"])

    tmall = tmp_path / TMALL_NAME
    tmall.write_bytes(xlsx(tmall_rows(pending=True), "数据信息"))
    page.goto(base + "/kpi_import")
    choose(page, page, "选择项目", "潮流服饰 · 潮流服饰-售前客服")
    settle(page)
    upload_summary(page, tmall)
    expect(page.get_by_text("识别为：天猫/淘宝 客服绩效")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("数据日期：2026-11-01（来自文件名）")).to_be_visible()
    expect(page.get_by_text("保存为“待更新”", exact=False)).to_be_visible()
    expect(page.get_by_text("同行对标行将保存为店铺的同行基准", exact=False)).to_be_visible()
    shot(page, "platform-import-tmall-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="打开KPI看板").click()
    expect(page.get_by_role("heading", name="客服明细与排名")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("待更新：2026-11-01", exact=False)).to_be_visible()
    page.get_by_role("heading", name="客服明细与排名").scroll_into_view_if_needed()
    expect(page.locator("svg text", has_text="麻大师旗舰店:阿杰").first).to_be_attached()
    shot(page, "platform-import-tmall-dashboard")

    pdd = tmp_path / "客服绩效详情_20261030.xlsx"
    pdd.write_bytes(pdd_file())
    page.goto(base + "/kpi_import")
    choose(page, page, "选择项目", "鲜果坊 · 鲜果坊-售前客服")
    settle(page)
    upload_summary(page, pdd)
    expect(page.get_by_text("识别为：拼多多 客服绩效详情")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("数据日期：2026-10-30（来自文件名）")).to_be_visible()
    expect(page.get_by_text("第2行 店铺总计", exact=False)).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="打开KPI看板").click()
    expect(page.get_by_role("heading", name="客服明细与排名")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("平台指标（仅平台日报提供）")).to_be_visible()
    page.get_by_role("heading", name="客服明细与排名").scroll_into_view_if_needed()
    expect(page.locator("svg text", has_text="水密码客服小樱").first).to_be_attached()
    shot(page, "platform-import-pdd-dashboard")
