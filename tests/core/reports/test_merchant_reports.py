"""What a merchant reads on its official report: words not codes, the last complete period, means said as means,
counts without decimals, numbers in Excel as numbers."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest

from core.kernel import config, i18n
from core.projects import merchants
from core.reports import merchant_report
from tests.conftest import actor_of
from tests.core.overview.test_weekly_and_reports import project, put_day  # noqa: F401  (the fixture of a project with targets)
from tests.core.reports.report_support import known_codes, leaks, plant_every_code, xlsx_cells

zh = lambda key, **kw: i18n.t(key, "zh", **kw)  # noqa: E731
en = lambda key, **kw: i18n.t(key, "en", **kw)  # noqa: E731


def _html_cells(page: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c))
        for c in re.findall(r"<(?:td|th|h1|h2|p)[^>]*>(.*?)</(?:td|th|h1|h2|p)>", page, re.S)
    ]


@pytest.mark.parametrize("kind", merchant_report.KINDS)
@pytest.mark.parametrize("t", [zh, en], ids=["zh", "en"])
def test_no_internal_code_or_none_in_any_report_page_printout_or_workbook(demo_db, kind, t):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    project_id = next(p["id"] for p in merchants.list_projects(db, shop) if p["status"] == "live")
    day = config.today() - timedelta(days=1)
    plant_every_code(db, actor_of(db, "admin"), project_id, day)
    report = merchant_report.build(db, shop, project_id, kind, day)
    assert report["complaints"] and report["reissues"] and report["cashbacks"] and report["cases"]
    codes = known_codes()
    shown = [merchant_report.title(report, t)] + [
        v for frame in merchant_report.sections(report, t).values() for v in [*frame.columns, *frame.to_numpy().ravel()]
    ]
    assert leaks(shown, codes) == []
    assert leaks(_html_cells(merchant_report.to_html(report, t)), codes) == []
    assert leaks(xlsx_cells(merchant_report.to_xlsx(report, t)), codes) == []
    cases = merchant_report.sections(report, t)[t("report.sheet.cases")]
    assert set(cases[t("report.col.progress")]) >= {"4/4", "1/4", "0/4"}


def test_reports_open_on_the_last_complete_period():
    thursday = date(2026, 12, 3)
    assert merchant_report.default_anchor("daily", thursday) == date(2026, 12, 2)
    assert merchant_report.period("weekly", merchant_report.default_anchor("weekly", thursday)) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert merchant_report.period("monthly", merchant_report.default_anchor("monthly", thursday)) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    monday_first = date(2027, 1, 1)  # a Friday: last week is the one across the year end, last month December
    assert merchant_report.period("weekly", merchant_report.default_anchor("weekly", monday_first)) == (
        date(2026, 12, 21),
        date(2026, 12, 27),
    )
    assert merchant_report.period("monthly", merchant_report.default_anchor("monthly", monday_first)) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


def test_a_period_in_progress_says_so_and_through_which_day(fresh_db, admin, project):  # noqa: F811
    put_day(fresh_db, project, "2026-12-01", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-12-02", 50, 100, 60, 15, 1800.0, 40.0, 20.0)
    month = merchant_report.build(fresh_db, admin, project, "monthly", date(2026, 12, 2), today=date(2026, 12, 3))
    assert month["in_progress"] and month["through"] == date(2026, 12, 2)
    assert merchant_report.title(month, zh).endswith("月报 2026-12-01 ~ 2026-12-31（进行中，截至 2026-12-02）")
    assert "截至 2026-12-02" in merchant_report.to_html(month, zh)
    done = merchant_report.build(fresh_db, admin, project, "monthly", date(2026, 11, 2), today=date(2026, 12, 3))
    assert not done["in_progress"] and done["through"] is None and "进行中" not in merchant_report.title(done, zh)
    today_only = merchant_report.build(fresh_db, admin, project, "daily", date(2026, 12, 3), today=date(2026, 12, 3))
    assert merchant_report.title(today_only, zh).endswith("日报 2026-12-03（进行中）")


def test_a_mean_says_daily_a_total_says_total_and_counts_print_without_decimals(fresh_db, admin, project):  # noqa: F811
    put_day(fresh_db, project, "2026-11-16", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-11-18", 121, 100, 60, 37, 1800.0, 40.0, 20.0)
    report = merchant_report.build(fresh_db, admin, project, "weekly", date(2026, 11, 18), today=date(2026, 12, 3))
    summary = merchant_report.sections(report, zh)["指标汇总"].set_index("指标")
    assert summary.loc["日均咨询人数", "实际"] == "110.5" and summary.loc["日均咨询人数", "目标"] == "100"
    assert summary.loc["询单成交人数（合计）", "实际"] == "57"
    assert summary.loc["询单销售额（合计）", "实际"] == "¥3,800.00"
    assert summary.loc["询单转化率", "实际"] == "25.8%"  # 57 / 221
    days = merchant_report.sections(report, zh)["每日数据"]
    assert list(days["咨询人数"]) == ["100", "121"] and list(days["询单成交人数"]) == ["20", "37"]
    daily = merchant_report.build(fresh_db, admin, project, "daily", date(2026, 11, 18), today=date(2026, 12, 3))
    assert merchant_report.sections(daily, zh)["指标汇总"]["指标"].tolist()[:1] == [
        "咨询人数"
    ]  # one day: no mean to speak of
    printed = _html_cells(merchant_report.to_html(report, zh))
    assert (
        "57" in printed and "110.5" in printed and [c for c in printed if re.fullmatch(r"[\d,]+\.0", c)] == []
    )  # no "57.0", no "100.0"


def test_the_workbook_holds_numbers_a_merchant_can_add_up(fresh_db, admin, project):  # noqa: F811
    put_day(fresh_db, project, "2026-11-16", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-11-18", 121, 100, 60, 37, 1800.5, 40.0, 20.0)
    report = merchant_report.build(fresh_db, admin, project, "weekly", date(2026, 11, 18), today=date(2026, 12, 3))
    book = openpyxl.load_workbook(io.BytesIO(merchant_report.to_xlsx(report, zh)))
    days = book["每日数据"]
    header = [c.value for c in days[1]]
    consultations = [row[header.index("咨询人数")] for row in days.iter_rows(min_row=2, values_only=True)]
    sales = [row[header.index("询单销售额")] for row in days.iter_rows(min_row=2, values_only=True)]
    rates = [row[header.index("询单转化率")] for row in days.iter_rows(min_row=2, values_only=True)]
    assert consultations == [100, 121] and sales == [2000.0, 1800.5] and rates == [0.2, 0.3058]
    assert days.cell(row=2, column=header.index("询单转化率") + 1).number_format == "0.0%"
    assert days.cell(row=2, column=header.index("咨询人数") + 1).number_format == "#,##0"
    summary = {row[0]: row[1] for row in book["指标汇总"].iter_rows(min_row=2, values_only=True)}
    assert (
        summary["日均咨询人数"] == 110.5
        and summary["询单成交人数（合计）"] == 57
        and summary["询单销售额（合计）"] == 3800.5
    )
    sheet = book["指标汇总"]
    mean_row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "日均咨询人数")
    assert mean_row[1].number_format == "#,##0.0" and mean_row[2].value == 100 and mean_row[2].number_format == "#,##0"


def test_the_team_of_a_report_is_the_team_of_today_while_the_month_runs(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    project_id = next(p["id"] for p in merchants.list_projects(db, shop) if p["status"] == "live")
    running = merchant_report.build(db, shop, project_id, "monthly", config.today())
    assert running["team"] and running["in_progress"]
    assert (
        merchant_report.build(db, shop, project_id, "monthly", config.today() - timedelta(days=40))["in_progress"]
        is False
    )
