"""Per-hour raw-log figures stored at import: the heat map and the staffing volume read them, exactly as
the engine counts."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from core import bootstrap
from core.bootstrap import open_store
from core.kernel import migrations
from core.kernel.db import rows
from core.kernel.permissions import PermissionDenied
from core.kpi import engine, hourly, raw_store
from core.projects import merchants
from core.schedule import coverage
from tests.conftest import SAMPLES

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 7)


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "样例店铺", "platform": "pinduoduo"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def sample_messages() -> pd.DataFrame:
    return engine.read_messages((SAMPLES / "messages.csv").read_bytes(), "messages.csv")


def import_messages(db, actor, project_id, messages: pd.DataFrame) -> int:
    days = pd.to_datetime(messages["time"]).dt.date
    preview = raw_store.RawPreview(
        messages=messages, orders=None, date_from=days.min(), date_to=days.max(), unknown_agents=[]
    )
    return raw_store.import_raw(db, actor, project_id, preview)


def engine_load(
    messages: pd.DataFrame, start: date, end: date, settings: engine.KpiSettings | None = None
) -> pd.DataFrame:
    """The heat map as computed from the messages themselves (what the page did before the stored figures)."""
    days = pd.to_datetime(messages["time"]).dt.date
    waits = engine.wait_table(messages[(days >= start) & (days <= end)].reset_index(drop=True), settings)
    waits["weekday"] = waits["start"].dt.day_of_week
    waits["hour"] = waits["start"].dt.hour
    return (
        waits.groupby(["weekday", "hour"])
        .agg(waits=("buyer", "size"), avg_response_s=("response_s", "mean"))
        .reset_index()
    )


def counted_inquiries(db, project_id: int, start: date, end: date) -> dict[tuple[date, int], float]:
    """Inquiries counted from the stored messages (a buyer's first message of the day), every hour of a day with one."""
    found = rows(
        db,
        """SELECT day, CAST(substr(first, 12, 2) AS INTEGER) AS hour, COUNT(*) AS n FROM (
                            SELECT day, buyer, MIN(time) AS first FROM chat_messages
                            WHERE project_id = ? AND day BETWEEN ? AND ? AND sender = 'buyer' GROUP BY day, buyer)
                        GROUP BY day, hour""",
        [project_id, start.isoformat(), end.isoformat()],
    )
    history = {(date.fromisoformat(r["day"]), h): 0.0 for r in found for h in range(24)}
    for r in found:
        history[(date.fromisoformat(r["day"]), r["hour"])] = float(r["n"])
    return history


def assert_same_load(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(stored.columns) == ["weekday", "hour", "waits", "avg_response_s"]
    assert (
        stored[["weekday", "hour", "waits"]].to_numpy().tolist()
        == expected[["weekday", "hour", "waits"]].to_numpy().tolist()
    )
    np.testing.assert_allclose(
        stored["avg_response_s"].to_numpy(dtype=float),
        expected["avg_response_s"].to_numpy(dtype=float),
        rtol=0,
        atol=1e-9,
        equal_nan=True,
    )


def test_the_heat_map_equals_the_engine_waits_of_the_same_days(fresh_db, admin, project):
    messages = sample_messages()
    import_messages(fresh_db, admin, project, messages)
    assert fresh_db["kpi_hourly"].count > 0
    for start, end in ((FIRST, LAST), (FIRST + timedelta(days=2), FIRST + timedelta(days=4)), (LAST, LAST)):
        assert_same_load(hourly.hourly_load(fresh_db, admin, project, start, end), engine_load(messages, start, end))


def test_the_staffing_volume_equals_the_buyers_first_messages_of_the_stored_chats(fresh_db, admin, project):
    import_messages(fresh_db, admin, project, sample_messages())
    history = coverage.inquiry_history(fresh_db, admin, project, FIRST, LAST)
    assert history == counted_inquiries(fresh_db, project, FIRST, LAST)
    assert len(history) == 7 * 24 and sum(history.values()) > 0


def test_waits_and_inquiries_per_hour_by_hand():
    messages = pd.DataFrame(
        [
            ("2026-11-02 10:00:00", "b1", "a", "buyer"),  # wait answered after 20 s; b1's inquiry at 10
            ("2026-11-02 10:00:20", "b1", "a", "agent"),
            ("2026-11-02 10:59:50", "b2", "a", "buyer"),  # wait answered after 40 s; b2's inquiry at 10
            ("2026-11-02 11:00:30", "b2", "a", "agent"),
            ("2026-11-02 11:05:00", "b1", "b", "buyer"),  # b1 again with another agent: a wait, not a new inquiry
            ("2026-11-02 11:06:00", "b1", "b", "auto"),  # an automatic reply is no answer
            ("2026-11-02 12:00:00", "b3", "a", "system"),  # a notice alone is no chat
            ("2026-11-03 09:00:00", "b1", "a", "buyer"),  # the next day: a new inquiry
        ],
        columns=["time", "buyer", "agent", "sender"],
    )
    table = hourly.hourly_rows(messages)
    assert table.to_dict("records") == [
        {"day": "2026-11-02", "hour": 10, "inquiries": 2, "waits": 2, "answered": 2, "response_s_sum": 60.0},
        {"day": "2026-11-02", "hour": 11, "inquiries": 0, "waits": 1, "answered": 0, "response_s_sum": 0.0},
        {"day": "2026-11-03", "hour": 9, "inquiries": 1, "waits": 1, "answered": 0, "response_s_sum": 0.0},
    ]


def test_an_hour_whose_waits_all_went_unanswered_has_no_mean_response(fresh_db, admin, project):
    messages = pd.DataFrame(
        [
            ("2026-11-02 10:00:00", "b1", "a", "buyer", "在吗"),
            ("2026-11-02 10:00:20", "b1", "a", "agent", "在"),
            ("2026-11-02 11:00:00", "b2", "a", "buyer", "在吗"),
        ],
        columns=["time", "buyer", "agent", "sender", "content"],
    )
    import_messages(fresh_db, admin, project, messages)
    load = hourly.hourly_load(fresh_db, admin, project, date(2026, 11, 2), date(2026, 11, 2)).set_index("hour")
    assert load.loc[10, "waits"] == 1 and load.loc[10, "avg_response_s"] == 20
    assert load.loc[11, "waits"] == 1 and math.isnan(load.loc[11, "avg_response_s"])


def test_reimporting_days_replaces_their_hours_and_keeps_the_others(fresh_db, admin, project):
    messages = sample_messages()
    import_messages(fresh_db, admin, project, messages)
    count = fresh_db["kpi_hourly"].count
    import_messages(fresh_db, admin, project, messages)
    assert fresh_db["kpi_hourly"].count == count  # replaced, never doubled
    day = pd.to_datetime(messages["time"]).dt.date
    fewer = messages[(day != date(2026, 10, 4)) | (pd.to_datetime(messages["time"]).dt.hour < 12)].reset_index(
        drop=True
    )
    import_messages(
        fresh_db,
        admin,
        project,
        fewer[pd.to_datetime(fewer["time"]).dt.date == date(2026, 10, 4)].reset_index(drop=True),
    )
    assert_same_load(hourly.hourly_load(fresh_db, admin, project, FIRST, LAST), engine_load(fewer, FIRST, LAST))
    assert coverage.inquiry_history(fresh_db, admin, project, FIRST, LAST) == counted_inquiries(
        fresh_db, project, FIRST, LAST
    )
    hours = [
        r["hour"]
        for r in rows(fresh_db, "SELECT hour FROM kpi_hourly WHERE project_id = ? AND day = '2026-10-04'", [project])
    ]
    assert hours and max(hours) < 12


def test_the_stored_hours_follow_the_settings_of_the_import(fresh_db, admin, project):
    messages = sample_messages()
    turn = engine.KpiSettings(response_unit="turn")
    with_turns = engine_load(messages, FIRST, LAST, turn)
    assert (
        with_turns["waits"].sum() < engine_load(messages, FIRST, LAST)["waits"].sum()
    )  # the sample has several messages per turn
    import_messages(fresh_db, admin, project, messages)
    from core.kernel.db import write

    with write(fresh_db):
        hourly.store(fresh_db, project, FIRST, LAST, messages, turn)
    assert_same_load(hourly.hourly_load(fresh_db, admin, project, FIRST, LAST), with_turns)


def test_migration_12_fills_the_hours_of_logs_imported_before_it(fresh_db, admin, project, tmp_path):
    messages = sample_messages()
    import_messages(fresh_db, admin, project, messages)
    stored = rows(fresh_db, "SELECT * FROM kpi_hourly ORDER BY project_id, day, hour")
    fresh_db.execute("DROP TABLE kpi_hourly")  # a database of migration 11: messages, no per-hour figures
    for statements in bootstrap.MIGRATIONS[12:]:  # nor the tables of the migrations after 12
        for statement in statements:
            if isinstance(statement, str) and statement.lstrip().upper().startswith("CREATE TABLE"):
                fresh_db.execute(f"DROP TABLE {statement.split()[2]}")
    fresh_db.execute("PRAGMA user_version = 11")
    path = fresh_db.execute("PRAGMA database_list").fetchone()[2]
    again = open_store(path)
    try:
        assert migrations.current_version(again) == len(bootstrap.MIGRATIONS) >= 12
        assert rows(again, "SELECT * FROM kpi_hourly ORDER BY project_id, day, hour") == stored
    finally:
        again.close()


def test_the_heat_map_and_the_volume_keep_their_permissions(fresh_db, admin, project):
    from core.accounts import users

    import_messages(fresh_db, admin, project, sample_messages())
    other = merchants.create_merchant(fresh_db, admin, {"name": "别家", "platform": "taobao"})
    user_id = users.create_user(fresh_db, admin, "other-shop", "别家", "merchant", "secret-pass-1", merchant_id=other)
    stranger = users.actor_from_row(users.get_user(fresh_db, user_id))
    with pytest.raises(PermissionDenied):
        hourly.hourly_load(fresh_db, stranger, project, FIRST, LAST)
    with pytest.raises(PermissionDenied):
        coverage.inquiry_history(fresh_db, stranger, project, FIRST, LAST)


def test_the_mean_response_of_an_hour_counts_only_the_answered_waits():
    # 10 answered waits of 10 s and 10 unanswered ones: the mean is 10 s, not 5 s
    rows_of_hours = pd.DataFrame(
        [
            {"hour": 9, "waits": 20, "answered": 10, "response_s_sum": 100.0},
            {"hour": 10, "waits": 3, "answered": 0, "response_s_sum": 0.0},
        ]
    )
    by_hour = hourly.mean_response_by_hour(rows_of_hours).set_index("hour")
    assert by_hour.loc[9, "avg_response_s"] == 10.0
    assert by_hour.loc[10, "avg_response_s"] is None  # nothing answered: no mean, not 0
    assert by_hour.loc[9, "waits"] == 20 and by_hour.loc[9, "answered"] == 10


def test_the_mean_response_of_an_hour_sums_its_days_before_dividing():
    two_days = pd.DataFrame(
        [
            {"hour": 9, "waits": 2, "answered": 1, "response_s_sum": 30.0},
            {"hour": 9, "waits": 4, "answered": 3, "response_s_sum": 30.0},
        ]
    )
    assert hourly.mean_response_by_hour(two_days)["avg_response_s"].tolist() == [15.0]
    assert hourly.mean_response_by_hour(two_days.iloc[0:0]).empty


def test_the_response_by_hour_of_the_stored_figures_is_the_mean_of_the_answered_waits(fresh_db, admin, project):
    messages = sample_messages()
    import_messages(fresh_db, admin, project, messages)
    by_hour = hourly.response_by_hour(fresh_db, admin, project, FIRST, LAST).set_index("hour")
    days = pd.to_datetime(messages["time"]).dt.date
    waits = engine.wait_table(messages[(days >= FIRST) & (days <= LAST)].reset_index(drop=True))
    answered = waits[waits["answered"]]
    expected = answered.groupby(answered["start"].dt.hour)["response_s"].mean()
    for hour, mean in expected.items():
        assert math.isclose(by_hour.loc[hour, "avg_response_s"], mean, abs_tol=1e-9)
    assert by_hour["waits"].sum() == len(waits)
