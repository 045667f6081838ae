"""KPI imports and stored figures: exact, idempotent, all-or-nothing, explainable, isolated."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from core.accounts import users
from core.agents import directory
from core.kernel import config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.kpi import daily_figures, drilldown, engine, raw_store, roster_names
from core.projects import merchants
from core.projects import order_confirmation as oc
from tests.conftest import SAMPLES


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "样例店铺", "platform": "pinduoduo"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def import_samples(db, actor, project_id, messages: pd.DataFrame | None = None) -> int:
    preview = raw_store.preview_raw(
        db, actor, project_id, sample_bytes("messages.csv"), "messages.csv", sample_bytes("orders.csv"), "orders.csv"
    )
    if messages is not None:
        days = pd.to_datetime(messages["time"]).dt.date
        preview = raw_store.RawPreview(
            messages=messages, orders=preview.orders, date_from=days.min(), date_to=days.max(), unknown_agents=[]
        )
    return raw_store.import_raw(db, actor, project_id, preview)


def stored_agent_rows(db, project_id) -> pd.DataFrame:
    frame = pd.DataFrame(
        list(
            db.query(
                f"SELECT day AS date, agent, {', '.join(daily_figures.METRICS)} FROM kpi_agent_daily WHERE "
                "project_id = ? ORDER BY day, agent",
                [project_id],
            )
        )
    )
    return frame


def engine_rows(settings: engine.KpiSettings | None = None) -> pd.DataFrame:
    messages = engine.read_messages(sample_bytes("messages.csv"), "messages.csv")
    orders = engine.read_orders(sample_bytes("orders.csv"), "orders.csv")
    return engine.agent_daily(messages, orders, settings).reset_index(drop=True)


def assert_same(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(stored["date"]) == list(expected["date"]) and list(stored["agent"]) == list(expected["agent"])
    for column in daily_figures.METRICS:
        left = pd.to_numeric(stored[column], errors="coerce").to_numpy(dtype=float)
        right = pd.to_numeric(expected[column], errors="coerce").to_numpy(dtype=float)
        assert ((abs(left - right) < 1e-9) | (pd.isna(left) & pd.isna(right))).all(), column


def test_imported_figures_equal_the_engine_on_the_same_files(fresh_db, admin, project):
    import_samples(fresh_db, admin, project)
    assert_same(stored_agent_rows(fresh_db, project), engine_rows())
    shops = list(
        fresh_db.query("SELECT day, consultations FROM kpi_shop_daily WHERE project_id = ? ORDER BY day", [project])
    )
    assert [s["day"] for s in shops] == [f"2026-10-0{d}" for d in range(1, 8)]


def test_reimporting_the_same_days_replaces_and_never_duplicates(fresh_db, admin, project):
    import_samples(fresh_db, admin, project)
    counts = [fresh_db[t].count for t in ("chat_messages", "chat_orders", "kpi_agent_daily", "kpi_shop_daily")]
    import_samples(fresh_db, admin, project)
    assert [fresh_db[t].count for t in ("chat_messages", "chat_orders", "kpi_agent_daily", "kpi_shop_daily")] == counts
    assert_same(stored_agent_rows(fresh_db, project), engine_rows())


def test_importing_days_in_two_batches_gives_the_one_shot_figures(fresh_db, admin, project):
    """Orders paid the next day compete across the batch edge: the store must still be exact."""
    messages = engine.read_messages(sample_bytes("messages.csv"), "messages.csv")
    day = pd.to_datetime(messages["time"]).dt.date
    import_samples(fresh_db, admin, project, messages[day <= date(2026, 10, 3)].reset_index(drop=True))
    import_samples(fresh_db, admin, project, messages[day > date(2026, 10, 3)].reset_index(drop=True))
    assert_same(stored_agent_rows(fresh_db, project), engine_rows())


def test_rows_carry_the_settings_of_the_order_confirmation(fresh_db, admin, project):
    data = {
        **oc.default_data("taobao"),
        "company_name": "c",
        "contact_name": "c",
        "contact_phone": "1",
        "liaison": "l",
        "target_daily_inquiries": 100,
        "target_first_response_s": 10,
        "target_avg_response_s": 20,
        "target_response_30s_rate": 0.8,
        "target_conversion_rate": 0.2,
        "target_aov": 100,
        "target_satisfaction": 0.9,
        "materials_submitted": True,
        "materials_complete": True,
        "golive_committed_date": (config.today() + timedelta(days=9)).isoformat(),
        "kpi_response_unit": "turn",
        "kpi_fast_threshold_s": 20,
    }
    oc.confirm(fresh_db, admin, project, data)
    import_samples(fresh_db, admin, project)
    settings = json.loads(next(fresh_db.query("SELECT settings FROM kpi_agent_daily LIMIT 1"))["settings"])
    assert settings["response_unit"] == "turn" and settings["fast_threshold_s"] == 20
    assert_same(
        stored_agent_rows(fresh_db, project), engine_rows(engine.KpiSettings(response_unit="turn", fast_threshold_s=20))
    )


def test_a_bad_file_is_refused_with_row_numbers_and_nothing_saved(fresh_db, admin, project):
    bad = (
        "time,buyer,agent,sender,content\n2026-10-01 09:00:00,b1,a1,buyer,hi\nnot a "
        "time,b1,a1,buyer,x\n2026-10-01 09:00:05,b1,a1,robot,x\n"
    )
    with pytest.raises(ValidationError) as caught:
        raw_store.preview_raw(fresh_db, admin, project, bad.encode(), "m.csv")
    rows = sorted(e.field for e in caught.value.errors)
    assert rows == ["row 3: m.csv", "row 4: m.csv"]
    assert fresh_db["chat_messages"].count == 0 and fresh_db["kpi_imports"].count == 0
    with pytest.raises(ValidationError):
        raw_store.preview_raw(fresh_db, admin, project, b"", "empty.csv")
    with pytest.raises(ValidationError):
        raw_store.preview_raw(fresh_db, admin, project, bytes(range(256)) * 1000, "garbage.xlsx")


def test_engine_reasons_are_translated_for_chinese_users():
    assert raw_store.translate_reason("the file is empty") == "文件为空"
    assert raw_store.translate_reason("order_id 'O1' already used on row 3") == "order_id 'O1' 与第3行重复"
    assert raw_store.translate_reason("the file is empty", "en") == "the file is empty"


def test_unknown_agent_names_are_listed_and_a_mapping_is_remembered(fresh_db, admin, project):
    agent_id = directory.create_agent(fresh_db, admin, {"name": "小美", "employee_no": "K1"})
    directory.assign(fresh_db, admin, project, agent_id, "online", "day", date(2026, 10, 1), "店铺:小美")
    preview = raw_store.preview_raw(fresh_db, admin, project, sample_bytes("messages.csv"), "messages.csv")
    assert "店铺:小美" not in preview.unknown_agents and "店铺:阿杰" in preview.unknown_agents
    other = directory.create_agent(fresh_db, admin, {"name": "阿杰", "employee_no": "K2"})
    roster_names.map_agent(fresh_db, admin, project, "店铺:阿杰", other)
    assert "店铺:阿杰" not in roster_names.unknown_agents(fresh_db, project, ["店铺:阿杰"])
    # a short name in a summary (no shop prefix) resolves through the team's sub-account
    assert roster_names.resolve_agent(roster_names.agent_name_map(fresh_db, project), "小美") == agent_id


def test_merchant_reads_only_its_own_project_kpis(fresh_db, admin, project):
    import_samples(fresh_db, admin, project)
    other = merchants.create_project(
        fresh_db, admin, merchants.create_merchant(fresh_db, admin, {"name": "别家", "platform": "taobao"}), "售前"
    )
    own_merchant = merchants.get_project(fresh_db, admin, project)["merchant_id"]
    shop = users.actor_from_row(
        users.get_user(
            fresh_db, users.create_user(fresh_db, admin, "shop", "店", "merchant", "password-123", own_merchant)
        )
    )
    assert len(daily_figures.agent_days(fresh_db, shop, project, date(2026, 10, 1), date(2026, 10, 7))) > 0
    for call in (
        lambda: daily_figures.agent_days(fresh_db, shop, other, date(2026, 10, 1), date(2026, 10, 7)),
        lambda: daily_figures.shop_days(fresh_db, shop, other, date(2026, 10, 1), date(2026, 10, 7)),
        lambda: drilldown.chats_of_day(fresh_db, shop, other, date(2026, 10, 1)),
        lambda: raw_store.preview_raw(fresh_db, shop, project, b"x", "x.csv"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_an_agent_sees_its_own_figures_and_only_a_rank_of_others(fresh_db, admin, project):
    user_id = users.create_user(fresh_db, admin, "meimei", "小美", "agent", "password-123")
    agent_id = directory.create_agent(fresh_db, admin, {"name": "小美", "employee_no": "K1", "user_id": user_id})
    directory.assign(fresh_db, admin, project, agent_id, "online", "day", date(2026, 10, 1), "店铺:小美")
    import_samples(fresh_db, admin, project)
    me = users.actor_from_row(users.get_user(fresh_db, user_id))
    mine = daily_figures.own_kpis(fresh_db, me, date(2026, 10, 1), date(2026, 10, 7))
    (entry,) = mine["projects"]
    assert set(entry["days"]["agent"]) == {"店铺:小美"}
    expected = engine_rows()
    assert entry["figures"]["consultations"] == expected[expected["agent"] == "店铺:小美"]["consultations"].sum()
    assert entry["team_size"] == expected["agent"].nunique() and 1 <= entry["rank"] <= entry["team_size"]
    with pytest.raises(PermissionDenied):
        daily_figures.agent_days(fresh_db, me, project, date(2026, 10, 1), date(2026, 10, 7))


def test_drill_down_lists_the_chats_behind_a_day(fresh_db, admin, project):
    import_samples(fresh_db, admin, project)
    chats = drilldown.chats_of_day(fresh_db, admin, project, date(2026, 10, 2), "店铺:Amy")
    stored = next(
        fresh_db.query(
            "SELECT consultations, converted, sales FROM kpi_agent_daily WHERE day = '2026-10-02' AND "
            "agent = '店铺:Amy'"
        )
    )
    assert len(chats) == stored["consultations"] and int(chats["converted"].sum()) == stored["converted"]
    assert abs(chats["sales"].sum() - stored["sales"]) < 0.005
    first = chats.iloc[0]
    assert len(drilldown.transcript(fresh_db, admin, project, date(2026, 10, 2), first["agent"], first["buyer"])) > 0


def test_drill_down_of_every_day_equals_the_engine_on_all_messages_and_orders(fresh_db, admin, project):
    """The drill-down reads only the orders that can go to the day's chats: the chats and their orders stay exact."""
    messages = engine.read_messages(sample_bytes("messages.csv"), "messages.csv")
    orders = engine.read_orders(sample_bytes("orders.csv"), "orders.csv")
    times = pd.to_datetime(messages["time"])
    morning = messages[
        (messages["sender"] == "buyer") & (times >= "2026-10-03 08:00:00") & (times < "2026-10-03 12:00:00")
    ]
    late = orders.iloc[[0]].assign(
        order_id="paid-before-placed",
        buyer=morning["buyer"].iloc[0],
        status="paid",
        created_at=pd.Timestamp("2026-10-03 12:00:00"),
        paid_at=pd.Timestamp("2026-10-02 12:00:00"),
    )
    orders = pd.concat([orders, late], ignore_index=True)
    days = pd.to_datetime(messages["time"]).dt.date
    preview = raw_store.RawPreview(
        messages=messages, orders=orders, date_from=days.min(), date_to=days.max(), unknown_agents=[]
    )
    raw_store.import_raw(fresh_db, admin, project, preview)
    expected = engine.chat_table(messages, orders)
    converted = 0
    for day in sorted(set(days)):
        chats = drilldown.chats_of_day(fresh_db, admin, project, day)
        want = expected[expected["date"] == day.isoformat()].reset_index(drop=True)
        assert chats[["agent", "buyer", "converted", "items"]].to_dict("records") == want[
            ["agent", "buyer", "converted", "items"]
        ].to_dict("records")
        assert chats["order_ids"].tolist() == want["order_ids"].tolist()
        assert (abs(chats["sales"] - want["sales"]) < 0.005).all()
        converted += int(chats["converted"].sum())
    assert converted > 0
    assert any(
        "paid-before-placed" in ids for ids in expected["order_ids"]
    )  # odd data, still the engine's rule: it counts


def test_shop_days_of_many_projects_are_each_projects_own_shop_days(fresh_db, admin, project):
    import_samples(fresh_db, admin, project)
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "第二家", "platform": "taobao"})
    second, empty = (merchants.create_project(fresh_db, admin, merchant_id, name) for name in ("售前", "售后"))
    messages = engine.read_messages(sample_bytes("messages.csv"), "messages.csv")
    import_samples(
        fresh_db,
        admin,
        second,
        messages[pd.to_datetime(messages["time"]).dt.date >= date(2026, 10, 4)].reset_index(drop=True),
    )
    start, end = date(2026, 10, 2), date(2026, 10, 6)
    many = daily_figures.shop_days_of(fresh_db, admin, [second, empty, project], start, end)
    assert list(many) == [second, empty, project]
    for project_id in (project, second, empty):
        pd.testing.assert_frame_equal(
            many[project_id], daily_figures.shop_days(fresh_db, admin, project_id, start, end), check_dtype=False
        )
    assert len(many[project]) == 5 and len(many[second]) == 3 and many[empty].empty


def test_drill_down_names_each_account_by_its_roster_agent_with_the_account(fresh_db, admin, project):
    agent_id = directory.create_agent(fresh_db, admin, {"name": "艾米", "employee_no": "K9"})
    directory.assign(fresh_db, admin, project, agent_id, "online", "day", date(2026, 10, 1), "店铺:Amy")
    labels = roster_names.account_labels(fresh_db, admin, project, ["店铺:Amy", "Amy", "店铺:陌生人"])
    assert labels == {"店铺:Amy": "艾米（店铺:Amy）", "Amy": "艾米（Amy）", "店铺:陌生人": "店铺:陌生人"}
