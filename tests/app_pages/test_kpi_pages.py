"""AppTest runs of the KPI pages on the demo firm (90 days of generated chats)."""

from __future__ import annotations

from core.projects import merchants
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


def test_dashboard_shows_tiles_trends_and_agents_for_a_live_project(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kpi_dashboard.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert any(label.startswith("30秒应答率 · 目标") for label in labels), labels
    assert all(m.value != "—" for m in at.metric if m.label.startswith(("咨询人数", "30秒应答率")))
    assert len(at.get("plotly_chart")) >= 6
    assert at.dataframe, "the per-agent table is missing"
    # a rate's distance from its target is in percentage points, never a "%" that reads as relative
    rate_deltas = [m.delta for m in at.metric if m.label.startswith(("30秒应答率", "询单转化率")) and m.delta]
    assert rate_deltas and all(d.endswith("个百分点") and "%" not in d for d in rate_deltas), rate_deltas
    seconds = [m.delta for m in at.metric if m.label.startswith("首次响应时长") and m.delta]
    assert seconds and all(d.endswith(" s") and d[0] in "+-" for d in seconds), seconds


def test_dashboard_agent_filter_narrows_the_table(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kpi_dashboard.py")
    everyone = len(at.dataframe[0].value)
    name = at.multiselect[0].options[0]
    at.multiselect[0].select(name).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1 < everyone


def test_merchant_dashboard_refuses_another_merchants_project_id(demo_db):
    db, _ = demo_db
    own = {p["id"] for p in merchants.list_projects(db, actor_of(db, "merchant"))}
    other = next(
        p["id"]
        for p in merchants.list_projects(db, actor_of(db, "admin"))
        if p["id"] not in own and p["status"] == "live"
    )
    at = open_page(logged_in("merchant"), "app_pages/kpi_dashboard.py", project=other)
    assert any("找不到" in e.value for e in at.error)
    assert not at.metric
    at = open_page(logged_in("merchant"), "app_pages/kpi_dashboard.py")
    assert not at.exception and at.metric  # its own live project has data


def test_project_without_data_says_so(demo_db):
    at = open_page(logged_in("merchant2"), "app_pages/kpi_dashboard.py")
    assert not at.exception
    assert any("还没有KPI数据" in i.value for i in at.info)


def test_company_view_lists_live_projects_against_targets(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kpi_company.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 2 and any("目标" in c or "/" in str(table.iloc[0, 2]) for c in table.columns)


def test_agent_sees_own_kpis_and_rank_only(demo_db):
    at = open_page(logged_in("agent"), "app_pages/my_kpi.py")
    assert not at.exception
    assert any("排名" in m.value for m in at.markdown)
    days = at.dataframe[0].value
    assert len(days) > 0 and "客服" not in days.columns  # no other agent appears


def test_dashboard_heat_map_and_drill_down_show_the_stored_hours_and_the_days_chats(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kpi_dashboard.py")
    assert not at.exception
    assert not [
        i for i in at.info if i.value.startswith("分时段分析需要原始聊天记录")
    ]  # the demo's raw logs fill the heat map
    assert (
        len(at.get("plotly_chart")) == 9
    )  # six trends, the ranking, the weekday × hour heat map and the response by hour
    chooser = next(s for s in at.selectbox if s.key and s.key.startswith("drill_chat_"))
    table = at.dataframe[-2].value  # the day's chats, then the transcript
    assert chooser.options == [f"{agent} · {buyer}" for agent, buyer in zip(table.iloc[:, 0], table.iloc[:, 1])]
    chooser.set_value(len(chooser.options) - 1).run()
    assert not at.exception
    assert len(at.dataframe[-1].value) > 0  # the chosen chat's transcript
    table = at.dataframe[-2].value
    assert {"首次响应时长（秒）", "是否成交"} <= set(table.columns) and "询单成交人数" not in table.columns
    assert set(table["是否成交"]) <= {"是", "否"} and "None" not in table["首次响应时长（秒）"].astype(str).tolist()
    assert all(a.endswith("）") and "（" in a for a in table["客服"])  # the roster agent's name, with the account
    assert set(at.dataframe[-1].value["发送方"]) <= {"买家", "客服", "自动回复", "系统消息"}
