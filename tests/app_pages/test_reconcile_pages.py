"""AppTest runs of the reconciliation page on the demo firm (its live projects have the platform's figures of the
last days)."""

from __future__ import annotations

from datetime import date

import pytest

from core.kernel.db import write
from core.kpi import reconciliation as recon
from core.projects import merchants
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of

PAGE = "app_pages/reconcile.py"


def live_projects(db):
    return [p for p in merchants.list_projects(db, actor_of(db, "admin")) if p["status"] == "live"]


def project_named(db, platform):
    return next(p for p in live_projects(db) if p["platform"] == platform)


@pytest.mark.parametrize("username", ["manager", "admin"])
def test_managers_see_the_comparison_with_flags_reasons_and_the_tolerance_form(demo_db, username):
    db, _ = demo_db
    at = open_page(logged_in(username), PAGE)
    assert not at.exception
    assert at.title[0].value == "数据核对：我方数据 vs 平台后台"
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "日期",
        "客服",
        "指标",
        "我方",
        "平台",
        "差异",
        "超出容差",
        "对比的平台口径",
        "可能原因",
    ]
    assert len(table) > 0 and table["我方"].str.len().gt(0).all()
    assert any(v.endswith("%") for v in table["我方"])  # rates shown as percentages
    assert at.get("download_button"), "no Excel export"
    assert [n.label for n in at.number_input] == ["容差（%）"]
    metrics = {m.label: m.value for m in at.metric}
    project = project_named(db, "tmall")
    start, end = recon.default_period(recon.data_span(db, actor_of(db, "admin"), project["id"]))
    result = recon.reconcile(db, actor_of(db, "admin"), project["id"], start, end)
    assert metrics["超出容差"] == str(result.flagged_count) and metrics["核对指标"] == str(len(result.cells))
    assert metrics["平台待更新"] != "0"  # the newest day's final-payment figures are 延迟统计


def test_only_flagged_and_agent_search_narrow_the_table(demo_db):
    at = open_page(logged_in("manager"), PAGE)
    everything = at.dataframe[0].value
    at.toggle[0].set_value(True).run()
    assert not at.exception
    flagged = at.dataframe[0].value
    assert 0 < len(flagged) < len(everything) and (flagged["超出容差"] == "⚠️").all()
    at.toggle[0].set_value(False).run()
    name = everything["客服"].iloc[0]
    at.text_input[0].input(name).run()
    narrowed = at.dataframe[0].value
    assert set(narrowed["客服"]) == {name} and len(narrowed) < len(everything)
    at.text_input[0].input("没有这个人").run()
    assert any("没有符合搜索的客服" in i.value for i in at.info)


def test_the_douyin_project_shows_service_hours_against_whole_day_and_robot_replies(demo_db):
    db, _ = demo_db
    project = project_named(db, "douyin")
    at = open_page(logged_in("manager"), PAGE, project=project["id"])
    assert not at.exception
    table = at.dataframe[0].value
    assert "平均响应时长 · 服务时段" in set(table["对比的平台口径"])
    assert "首次响应时长 · 全天" in set(table["对比的平台口径"])
    reasons = "".join(table["可能原因"])
    assert "平台为全天数据" in reasons and "机器人" in reasons


def test_a_manager_sets_the_tolerance_and_the_flags_follow(demo_db):
    db, _ = demo_db
    project = project_named(db, "tmall")
    at = open_page(logged_in("manager"), PAGE, project=project["id"])
    before = int(next(m.value for m in at.metric if m.label == "超出容差"))
    assert before > 0
    at.number_input[0].set_value(100.0)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    assert recon.import_settings(db, project["id"])["tolerance"] == 1.0
    assert any(s.value == "已保存。" for s in at.success)
    assert next(m.value for m in at.metric if m.label == "超出容差") == "0"


def test_qa_reads_the_comparison_but_cannot_set_the_tolerance(demo_db):
    at = open_page(logged_in("qa"), PAGE)
    assert not at.exception
    assert len(at.dataframe[0].value) > 0
    assert not at.number_input and not [b for b in at.button if b.label == "保存"]
    assert any("质检只读" in c.value for c in at.caption)


@pytest.mark.parametrize("username", ["merchant", "agent", "trainer"])
def test_merchants_agents_and_trainers_cannot_open_the_page(demo_db, username):
    at = logged_in(username)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_a_project_without_any_data_says_which_imports_are_needed(demo_db):
    db, _ = demo_db
    other = next(p for p in merchants.list_projects(db, actor_of(db, "admin")) if p["status"] != "live")
    at = open_page(logged_in("manager"), PAGE, project=other["id"])
    assert not at.exception
    assert any("还没有原始聊天记录，也没有平台日报" in i.value for i in at.info)
    assert not at.dataframe


def test_a_project_with_raw_logs_but_no_platform_file_asks_for_the_summary(demo_db):
    db, _ = demo_db
    project = project_named(db, "douyin")
    with write(db):  # through write(): the data version moves, so the page's cached reads do too
        db.execute("DELETE FROM platform_agent_daily WHERE project_id = ?", [project["id"]])
    at = open_page(logged_in("manager"), PAGE, project=project["id"])
    assert not at.exception
    assert any("还没有平台日报" in i.value for i in at.info)
    assert any(link.label == "打开数据导入" for link in at.get("page_link"))


def test_a_day_without_the_platform_file_is_named(demo_db):
    db, _ = demo_db
    project = project_named(db, "tmall")
    newest = db.execute("SELECT MAX(day) FROM platform_agent_daily WHERE project_id = ?", [project["id"]]).fetchone()[0]
    with write(db):
        db.execute("DELETE FROM platform_agent_daily WHERE project_id = ? AND day = ?", [project["id"], newest])
    at = open_page(logged_in("manager"), PAGE, project=project["id"])
    days = sorted(
        {r[0] for r in db.execute("SELECT day FROM platform_agent_daily WHERE project_id = ?", [project["id"]])}
    )
    at.date_input[0].set_value((date.fromisoformat(days[0]), date.fromisoformat(newest))).run()
    assert not at.exception
    assert any("缺少平台日报" in w.value and newest in w.value for w in at.warning)


def test_the_home_alert_opens_the_page_on_its_day(demo_db):
    db, _ = demo_db
    home = open_page(logged_in("manager"), "app_pages/home.py")
    links = [link for link in home.get("page_link") if link.label.startswith("数据核对：")]
    assert len(links) == len({a["project_id"] for a in recon.flagged_by_project(db, actor_of(db, "manager"))}) >= 1
    alert = recon.flagged_by_project(db, actor_of(db, "manager"))[0]
    at = open_page(logged_in("manager"), PAGE, project=alert["project_id"], day=alert["day"])
    assert not at.exception
    assert set(at.dataframe[0].value["日期"]) == {alert["day"]}
    assert next(m.value for m in at.metric if m.label == "超出容差") == str(alert["n"])
