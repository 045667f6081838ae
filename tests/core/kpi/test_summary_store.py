"""Tests of core/kpi/summary_store.py: a platform summary into the store, all or nothing."""

from __future__ import annotations

import json

import pytest

from core.kernel.errors import ValidationError
from core.kpi import summary_store
from core.projects import merchants
from tests.conftest import SAMPLES


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "样例店铺", "platform": "pinduoduo"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_summary_import_stores_agent_days_and_a_shop_day(fresh_db, admin, project):
    preview = summary_store.preview_summary(fresh_db, admin, project, sample_bytes("pdd_daily_summary.csv"), "pdd.csv")
    assert preview.ok
    summary_store.import_summary(fresh_db, admin, project, preview)
    row = next(fresh_db.query("SELECT * FROM kpi_agent_daily WHERE day = '2026-11-02' AND agent = '店铺:小美'"))
    assert row["source"] == "summary" and row["consultations"] == 91
    assert (
        abs(row["response_30s_rate"] - 0.8449) < 1e-9
        and row["avg_response_s"] == 14
        and abs(row["sales"] - 3166.27) < 1e-9
    )
    shop = next(fresh_db.query("SELECT * FROM kpi_shop_daily WHERE day = '2026-11-02'"))
    assert shop["consultations"] == 91 + 89 + 115 + 99 + 80  # summed: summaries carry no buyer ids
    assert abs(shop["conversion_rate"] - shop["converted"] / shop["consultations"]) < 1e-12
    count = fresh_db["kpi_agent_daily"].count
    summary_store.import_summary(fresh_db, admin, project, preview)
    assert fresh_db["kpi_agent_daily"].count == count


def test_douyin_summary_keeps_per_session_figures_apart(fresh_db, admin, project):
    preview = summary_store.preview_summary(
        fresh_db, admin, project, sample_bytes("douyin_daily_summary.xlsx"), "douyin.xlsx"
    )
    assert preview.ok
    summary_store.import_summary(fresh_db, admin, project, preview)
    row = next(fresh_db.query("SELECT * FROM kpi_agent_daily WHERE agent = '小美' ORDER BY day LIMIT 1"))
    extra = json.loads(row["extra"])
    # the sample gives only whole-day (全天) per-person figures: used, and said so
    assert row["avg_response_s"] == 22 and extra["dimensions"]["avg_response_s"] == "person_allday"
    assert extra["avg_response_s_session_allday"] == 42  # per conversation, kept apart
    assert row["consultations"] == 119 and extra["dimensions"]["consultations"] == "receptions"


def test_a_summary_with_errors_saves_nothing(fresh_db, admin, project):
    bad = "日期,客服,咨询人数,30秒应答率\n2026-11-02,店铺:小美,91,84%\n2026-11-03,店铺:小美,-4,140%\n"
    preview = summary_store.preview_summary(fresh_db, admin, project, bad.encode(), "bad.csv")
    assert not preview.ok and {e.row for e in preview.parsed.errors} == {3}
    with pytest.raises(ValidationError):
        summary_store.import_summary(fresh_db, admin, project, preview)
    assert fresh_db["kpi_agent_daily"].count == 0 and fresh_db["kpi_imports"].count == 0
