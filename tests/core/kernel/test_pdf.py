"""PDF documents (core.kernel.pdf): read back with pypdf, the way a merchant's reader opens them."""

from __future__ import annotations

import io
from datetime import date
from functools import partial

import pandas as pd
import pytest
from pypdf import PdfReader

from core.kernel import i18n, pdf
from core.reports import merchant_report
from tests.core.overview.test_weekly_and_reports import project, put_day  # noqa: F401  (a fixture)


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def long_table(rows: int = 120) -> pd.DataFrame:
    return pd.DataFrame(
        {"日期": [f"2026-11-{1 + i % 30:02d}" for i in range(rows)], "客服": [f"店铺:小美{i}" for i in range(rows)]}
    )


def test_a_long_table_runs_over_pages_with_its_header_on_each_and_every_page_is_numbered():
    data = pdf.tables_pdf("优品家居 · 售前 月报", "云服 · 生成时间 2026-12-05", {"每日数据": long_table()}, "无")
    pages = read(data).pages
    assert len(pages) >= 3
    first, last = pages[0].extract_text(), pages[-1].extract_text()
    assert "优品家居 · 售前 月报" in first and "每日数据" in first and "店铺:小美0" in first
    assert f"第 1 页 / 共 {len(pages)} 页" in first and f"第 {len(pages)} 页 / 共 {len(pages)} 页" in last
    assert all("日期" in page.extract_text() and "客服" in page.extract_text() for page in pages)  # header repeated
    assert "店铺:小美119" in last


def test_an_empty_section_says_none_and_markup_in_a_cell_is_text():
    sections = {"投诉": pd.DataFrame(), "备注": pd.DataFrame({"内容": ["<b>大促</b> & 满减"]})}
    text = read(pdf.tables_pdf("标题", "说明", sections, "无")).pages[0].extract_text()
    assert "投诉\n无" in text or "投诉 无" in text
    assert "<b>大促</b> & 满减" in text


def test_the_machines_chinese_font_is_embedded_and_without_one_the_standard_font_is_named():
    files = pdf.chinese_font_files()
    assert files, "make test installs a Chinese font (fonts-wqy-microhei)"
    embedded = pdf.tables_pdf("标题", "说明", {"表": long_table(3)}, "无", font=files[0])
    assert b"/FontFile2" in embedded  # TrueType outlines inside the file: it reads the same everywhere
    standard = pdf.tables_pdf("标题", "说明", {"表": long_table(3)}, "无", font=(None, 0))
    assert b"/STSong-Light" in standard and b"/FontFile2" not in standard


def test_short_columns_keep_their_width_and_long_ones_share_the_rest_and_wrap():
    def measure(text: str) -> float:  # a character is 1 wide, a Chinese one 2
        return float(sum(2 if ord(ch) > 0x2E7F else 1 for ch in text))

    frame = pd.DataFrame({"日期": ["2026-11-01"], "金额（元）": ["16,400.00"], "说明": ["很长的说明" * 20]})
    date_width, amount_width, note_width = pdf.column_widths(frame, 100.0, measure, padding=2.0)
    assert (date_width, amount_width) == (12.0, 11.0)  # their widest cell + padding: one line each
    assert note_width == pytest.approx(100.0 - 12.0 - 11.0)  # the long text takes the rest and wraps
    roomy = pdf.column_widths(frame.head(0).assign(说明=[]), 100.0, measure, padding=2.0)
    assert sum(roomy) == pytest.approx(100.0)  # when everything fits, every column grows in proportion


def test_the_merchant_report_pdf_carries_its_title_company_and_figures(fresh_db, admin, project):  # noqa: F811
    put_day(fresh_db, project, "2026-11-16", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-11-18", 50, 100, 60, 15, 1800.0, 40.0, 20.0)
    report = merchant_report.build(fresh_db, admin, project, "weekly", date(2026, 11, 18))
    t = partial(i18n.t, lang="zh")
    text = "\n".join(page.extract_text() for page in read(merchant_report.to_pdf(report, t)).pages)
    assert merchant_report.title(report, t) in text and report["company"] in text
    assert "30秒应答率" in text and "90.0%" in text and "60.0%" in text  # the days: 180 of 200, 60 of 100
    assert "¥3,800.00" in text and "2026-11-18" in text
