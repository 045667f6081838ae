"""The large demo firm, built at a tiny scale: the rows are what the app's own functions would store."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

import pandas as pd
import pytest

from core.kernel import config
from core.kernel.db import rows
from core.kpi import engine, hourly, summary_store
from core.kpi import settings as kpi_settings
from core.qa import scorecards, scoring
from demo import large


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import os

    from core.bootstrap import open_store

    folder = tmp_path_factory.mktemp("large")
    previous = os.environ.get("APP_DB")
    os.environ["APP_DB"] = str(folder / "app.db")
    try:
        db = open_store(folder / "app.db")
        result = large.build(db, large.TINY, quiet=True)
        yield db, result
        db.close()
    finally:
        if previous is None:
            os.environ.pop("APP_DB", None)
        else:
            os.environ["APP_DB"] = previous


def test_the_firm_has_the_scale_asked_for(tiny):
    db, result = tiny
    scale = large.TINY
    assert db["merchants"].count == scale.merchants
    assert db["agents"].count == scale.agents
    assert (
        db.execute(
            "SELECT COUNT(*) FROM qa_reviews WHERE inspector_id = (SELECT id FROM users WHERE username = 'qa')"
        ).fetchone()[0]
        >= scale.qa_reviews
    )
    assert db.execute("SELECT COUNT(*) FROM complaint_events WHERE note = '已处理（演示数据）'").fetchone()[0] > 0
    assert result["logins"] and {u for _r, u, _p in result["logins"]} >= {"admin", "merchant"}


def test_no_row_breaks_a_foreign_key(tiny):
    db, _ = tiny
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_every_live_team_member_has_a_kpi_row_for_every_day_of_the_year(tiny):
    db, _ = tiny
    end = config.today() - timedelta(days=1)
    first = end - timedelta(days=large.TINY.kpi_days - 1)
    from demo.firm import DEMO_MERCHANTS

    demo_projects = {
        r["id"]
        for r in rows(
            db,
            f"SELECT p.id FROM projects p JOIN merchants m ON m.id = p.merchant_id "
            f"WHERE m.name IN ({','.join('?' * len(DEMO_MERCHANTS))})",
            [m[0] for m in DEMO_MERCHANTS],
        )
    }
    checked = 0
    for project_id, members in large.live_teams(db).items():
        if project_id in demo_projects:  # the small demo's own chats (its later team members have none)
            continue
        for member in members:
            checked += 1
            since = max(first.isoformat(), member["from_date"])
            expected = (end - max(first, pd.Timestamp(since).date())).days + 1
            found = db.execute(
                "SELECT COUNT(*) FROM kpi_agent_daily WHERE project_id = ? AND agent = ? AND day BETWEEN ? AND ?",
                [project_id, member["sub_account"], since, end.isoformat()],
            ).fetchone()[0]
            assert found >= expected - 1, (
                project_id,
                member["sub_account"],
            )  # a raw day may have no chat of that agent
    assert checked > 0


def test_raw_days_are_what_the_kpi_engine_computes_from_the_stored_chats(tiny):
    db, _ = tiny
    project_id = db.execute(
        "SELECT project_id FROM chat_messages WHERE content = '您好，欢迎光临' AND project_id > 6 LIMIT 1"
    ).fetchone()[0]
    messages = pd.DataFrame(
        rows(db, "SELECT time, buyer, agent, sender, content FROM chat_messages WHERE project_id = ?", [project_id])
    )
    orders = pd.DataFrame(
        rows(
            db,
            "SELECT order_id, buyer, created_at, paid_at, amount, items, status FROM chat_orders WHERE project_id = ?",
            [project_id],
        )
    )
    orders["paid_at"] = orders["paid_at"].fillna("")
    agent_frame = engine.agent_daily(messages, orders, kpi_settings.settings_for(db, project_id))
    stored = pd.DataFrame(
        rows(
            db,
            "SELECT day, agent, consultations, converted, sales FROM kpi_agent_daily "
            "WHERE project_id = ? AND source = 'raw'",
            [project_id],
        )
    )
    merged = stored.merge(agent_frame.rename(columns={"date": "day"}), on=["day", "agent"], suffixes=("", "_engine"))
    assert len(merged) == len(stored) > 0
    assert (merged["consultations"] == merged["consultations_engine"]).all()
    assert (merged["converted"] == merged["converted_engine"]).all()


def test_raw_days_per_hour_figures_are_filled_by_the_import_from_the_stored_chats(tiny):
    db, _ = tiny
    project_id = db.execute(
        "SELECT project_id FROM chat_messages WHERE content = '您好，欢迎光临' AND project_id > 6 LIMIT 1"
    ).fetchone()[0]
    messages = pd.DataFrame(
        rows(db, "SELECT time, buyer, agent, sender FROM chat_messages WHERE project_id = ?", [project_id])
    )
    expected = hourly.hourly_rows(messages, kpi_settings.settings_for(db, project_id))
    stored = pd.DataFrame(
        rows(
            db,
            "SELECT day, hour, inquiries, waits, answered, response_s_sum FROM kpi_hourly "
            "WHERE project_id = ? ORDER BY day, hour",
            [project_id],
        )
    )
    assert len(stored) > 0
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)


def test_summary_shop_days_follow_the_summary_import_formula(tiny):
    db, _ = tiny
    project_id, day = db.execute(
        "SELECT project_id, day FROM kpi_shop_daily WHERE source = 'summary' AND project_id > 6 ORDER BY day LIMIT 1"
    ).fetchone()
    agent_rows = rows(db, "SELECT * FROM kpi_agent_daily WHERE project_id = ? AND day = ?", [project_id, day])
    expected = summary_store.shop_from_agent_summaries(agent_rows)
    stored = db.execute("SELECT * FROM kpi_shop_daily WHERE project_id = ? AND day = ?", [project_id, day]).fetchone()
    stored = dict(zip([c[0] for c in db.execute("SELECT * FROM kpi_shop_daily LIMIT 0").description], stored))
    for column, value in expected.items():
        assert stored[column] == pytest.approx(value), column


def test_qa_scores_are_what_the_scorecard_computes_from_the_stored_ratings(tiny):
    db, _ = tiny
    for review in rows(
        db,
        "SELECT id, scorecard_id, score, base_score FROM qa_reviews "
        "WHERE comment = '' AND status = 'scored' ORDER BY id DESC LIMIT 50",
    ):
        card = scorecards.load_card(db, review["scorecard_id"])
        ratings = {
            r["item_id"]: r["rating"]
            for r in rows(db, "SELECT item_id, rating FROM qa_review_items WHERE review_id = ?", [review["id"]])
        }
        result = scoring.compute(card, ratings)
        assert (result.score, result.base) == (review["score"], review["base_score"])


def test_complaint_numbers_are_unique_per_day_without_gaps_and_counted(tiny):
    db, _ = tiny
    per_day: dict[str, list[int]] = defaultdict(list)
    for row in rows(db, "SELECT number, logged_at FROM complaints"):
        match = re.fullmatch(r"TS-(\d{8})-(\d{4})", row["number"])
        assert match and match.group(1) == row["logged_at"][:10].replace("-", "")
        per_day[row["logged_at"][:10]].append(int(match.group(2)))
    counters = {r["day"]: r["last"] for r in rows(db, "SELECT day, last FROM complaint_counters")}
    for day, numbers in per_day.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert counters[day] == len(numbers)


def test_closed_complaints_carry_their_whole_history(tiny):
    db, _ = tiny
    complaint = rows(
        db, "SELECT id, resolved_at, closed_at FROM complaints WHERE status = 'closed' ORDER BY id DESC LIMIT 1"
    )[0]
    actions = [
        r["action"]
        for r in rows(db, "SELECT action FROM complaint_events WHERE complaint_id = ? ORDER BY id", [complaint["id"]])
    ]
    assert actions == ["log", "start", "resolve", "close"]
    assert complaint["resolved_at"] < complaint["closed_at"]


def test_pay_runs_cover_the_months_asked_for_and_past_ones_are_approved(tiny):
    db, _ = tiny
    runs = rows(db, "SELECT month, status FROM pay_runs ORDER BY month")
    assert len(runs) >= large.TINY.pay_months
    assert all(r["status"] == "approved" for r in runs[:-1])
