"""AppTest runs of the salary pages on the demo firm (three months of runs, the last a draft), per role."""

from __future__ import annotations

import sqlite3

import pytest

from core.bootstrap import open_store
from core.kernel import i18n
from core.kernel.months import recent_months
from core.salary import payrun
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The demo firm, seeded once for this module (each test works on its own copy)."""
    from demo import firm

    path = tmp_path_factory.mktemp("salary_demo") / "app.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APP_DB", str(path))  # uploads of the demo go beside this database, never into data/
        db = open_store(path)
        firm.seed(db)
        db.close()
    return path


@pytest.fixture
def demo_copy(seeded, tmp_path, monkeypatch):
    """A private copy of the seeded demo firm, set as APP_DB."""
    path = tmp_path / "app.db"
    source, target = sqlite3.connect(seeded), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    monkeypatch.setenv("APP_DB", str(path))
    db = open_store(path)
    yield db
    db.close()


def runs_by_month(db) -> dict[str, dict]:
    return {r["month"]: r for r in payrun.list_runs(db, actor_of(db, "admin"))}


def test_manager_sees_the_draft_month_its_statements_and_a_line_that_opens(demo_copy):
    at = open_page(logged_in("manager"), "app_pages/salary.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "薪资核算"
    assert any("草稿" in w.value for w in at.warning)
    table = (
        at.dataframe[0].value
        if "工号" in at.dataframe[0].value.columns
        else next(d.value for d in at.dataframe if "工号" in d.value.columns)
    )
    assert len(table) > 10
    labels = [e.label for e in at.expander]
    assert any(label.startswith("底薪") for label in labels) and any(label.startswith("KPI绩效") for label in labels)
    assert at.button(key="approve_run").disabled  # not before the confirmation box is ticked


def test_manager_runs_a_month_that_was_never_run(demo_copy):
    months = recent_months(13)
    missing = next(m for m in months if m not in runs_by_month(demo_copy))
    at = open_page(logged_in("manager"), "app_pages/salary.py")
    at.selectbox(key="salary_month").select(missing).run()
    assert any(missing in i.value for i in at.info)
    at.button(key="run_month").click().run()
    assert not at.exception, at.exception
    assert any("已核算" in s.value for s in at.success)
    assert runs_by_month(demo_copy)[missing]["status"] == "draft"


def test_admin_reopens_a_locked_month_and_the_manager_approves_it_again(demo_copy):
    approved = sorted(m for m, r in runs_by_month(demo_copy).items() if r["status"] == "approved")[-1]
    at = open_page(logged_in("admin"), "app_pages/salary.py")
    at.selectbox(key="salary_month").select(approved).run()
    assert any("已审批锁定" in s.value for s in at.success)
    at.text_area(key=f"reopen_reason_{approved}").input("补录考勤").run()
    at.checkbox(key=f"reopen_sure_{approved}").check().run()
    at.button(key="reopen_run").click().run()
    assert not at.exception, at.exception
    assert runs_by_month(demo_copy)[approved]["status"] == "draft"

    at = open_page(logged_in("manager"), "app_pages/salary.py")
    at.selectbox(key="salary_month").select(approved).run()
    assert not [e for e in at.expander if e.label.startswith("重新开放")]  # a manager never gets the reopen form
    at.checkbox(key=f"approve_sure_{approved}").check().run()
    at.button(key="approve_run").click().run()
    assert not at.exception, at.exception
    assert runs_by_month(demo_copy)[approved]["status"] == "approved"


def test_the_charts_tab_draws_the_four_charts_only_while_it_is_open(demo_copy):
    at = open_page(logged_in("manager"), "app_pages/salary.py")
    assert len(at.get("plotly_chart")) == 0  # the month's run is open: its charts are not built on every run
    at.session_state["salary_tab"] = "分析图表"  # what a click on the tab sets
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 4


def test_a_scheme_saved_from_the_form_becomes_a_new_version_and_bad_input_is_listed(demo_copy):
    at = open_page(logged_in("manager"), "app_pages/salary.py")
    performance = next(n for n in at.number_input if n.label.startswith("绩效金额"))
    performance.set_value(1500.0)
    next(b for b in at.button if b.label == "保存为新版本").click().run()
    assert not at.exception, at.exception
    assert any("已保存" in s.value for s in at.success)
    bronze = next(n for n in at.number_input if n.label == "铜牌分数线")
    bronze.set_value(95.0)
    next(b for b in at.button if b.label == "保存为新版本").click().run()
    assert any("金牌 > 银牌 > 铜牌" in e.value for e in at.error)


def test_agent_sees_its_estimate_and_approved_statements_only(demo_copy):
    at = open_page(logged_in("agent"), "app_pages/my_pay.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "我的工资"
    months = [d.value for d in at.dataframe if "月份" in d.value.columns][0]["月份"].tolist()
    approved = sorted((m for m, r in runs_by_month(demo_copy).items() if r["status"] == "approved"), reverse=True)
    assert months == approved
    assert any(label.startswith("底薪") for label in (e.label for e in at.expander))


def test_my_pay_says_what_days_on_duty_and_attendance_count_and_why_there_is_no_grade(demo_copy):
    at = open_page(logged_in("agent"), "app_pages/my_pay.py")
    assert not at.exception, at.exception
    captions = "\n".join(c.value for c in at.caption)
    estimate = payrun.month_to_date(demo_copy, actor_of(demo_copy, "agent"))
    # 在岗 beside 出勤: each says what it counts
    assert f"在岗 {estimate['days']}/{estimate['month_days']} 天：本月" in captions and "含休息日" in captions
    assert "出勤 = 已排班的班次中出勤或迟到的天数" in captions
    # the grade: what it depends on, and why there is none (or which line was reached)
    assert ("未定级：等级按本月KPI得分评定" in captions) if estimate["grade"] is None else ("≥" in captions)
    # an index without a figure says why and what it means for pay, and is not shown as "0 points"
    missing = [k for k, v in estimate["summary"]["indices"].items() if v["value"] is None]
    for name in missing:
        assert f"{i18n.t('salary.kpi.' + name)}无数据：" in captions
    index_table = next(d.value for d in at.dataframe if list(d.value.columns) == ["KPI", "数值", "计算过程"])
    assert "无数据（0分）" not in index_table.to_string()


def test_an_agent_opening_another_agents_statement_is_refused(demo_copy):
    db = demo_copy
    runs = runs_by_month(db)
    approved = next(r for r in runs.values() if r["status"] == "approved")
    own = db.execute(
        "SELECT id FROM agents WHERE user_id = (SELECT id FROM users WHERE username = 'agent')"
    ).fetchone()[0]
    other = db.execute(
        "SELECT agent_id FROM pay_statements WHERE run_id = ? AND agent_id != ? LIMIT 1", [approved["id"], own]
    ).fetchone()[0]
    other_name = db.execute("SELECT name FROM agents WHERE id = ?", [other]).fetchone()[0]
    at = open_page(logged_in("agent"), "app_pages/my_pay.py", run=approved["id"], agent=other)
    assert any("找不到" in e.value for e in at.error)
    assert other_name not in str(at) and not at.metric
    draft = next(r for r in runs.values() if r["status"] == "draft")
    at = open_page(logged_in("agent"), "app_pages/my_pay.py", run=draft["id"])
    assert any("找不到" in e.value for e in at.error)  # its own draft is not a statement yet
    at = open_page(logged_in("agent"), "app_pages/my_pay.py", run=approved["id"])
    assert not at.error and at.metric


def test_attendance_page_fills_the_schedule_and_records_a_late_arrival(demo_copy):
    at = open_page(logged_in("manager"), "app_pages/attendance.py")
    assert not at.exception, at.exception
    assert at.dataframe and len(at.dataframe[0].value) > 10
    at.button(key="att_fill").click().run()
    assert any("已补全" in s.value for s in at.success)
