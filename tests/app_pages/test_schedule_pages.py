"""AppTest runs of the roster, staffing and my-shifts pages: each role's flows and refusals."""

from __future__ import annotations

from datetime import timedelta

from core.accounts import users
from core.agents import directory
from core.kernel import config
from core.projects import merchants
from core.schedule import handover, promotions, shift_requests, shifts
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


def live_project(db) -> int:
    return next(p["id"] for p in merchants.list_projects(db, actor_of(db, "admin"), status="live"))


def texts(at) -> str:
    parts = [
        e.value for kind in ("error", "warning", "success", "info", "caption", "markdown") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_manager_sees_the_demo_roster_and_proposes_a_new_one_after_confirming(demo_db):
    db, _ = demo_db
    project_id = live_project(db)
    at = open_page(logged_in("manager"), "app_pages/schedule.py", project=project_id)
    assert not at.exception
    assert "做六休一" in texts(at)
    propose = button(at, "生成排班建议")
    assert propose.disabled  # the period already has a roster: replacing it needs the confirmation
    at.checkbox(key="schedule_overwrite").check().run()
    button(at, "生成排班建议").click().run()
    assert not at.exception
    assert any("已生成排班建议" in s.value for s in at.success)
    assert at.download_button and at.download_button[0].label == "导出 Excel"


def test_a_conflict_is_listed_on_the_page(demo_db):
    db, _ = demo_db
    project_id = live_project(db)
    manager = actor_of(db, "manager")
    today = config.today()
    monday = today - timedelta(days=today.weekday())
    member = shifts.grid(db, manager, project_id, monday, monday + timedelta(days=6))[0]
    shifts.save_cells(
        db,
        manager,
        project_id,
        [{"agent_id": member["agent_id"], "day": monday + timedelta(days=d), "shift": "day"} for d in range(-7, 7)],
    )
    at = open_page(logged_in("manager"), "app_pages/schedule.py", project=project_id)
    assert any("冲突" in w.value for w in at.warning)
    shown = "\n".join(frame.value.to_string() for frame in at.dataframe)
    assert "连续上班第7天及以上" in shown and member["name"] in shown


def test_a_trainer_reads_the_roster_without_editing_it(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("trainer"), "app_pages/schedule.py", project=live_project(db))
    assert not at.exception
    assert not [b for b in at.button if b.label == "生成排班建议"]
    assert all(b.disabled for b in at.button if b.label == "保存")  # the settings form is shown, its save is off
    assert any("只有项目经理和总监" in i.value for i in at.info)


def test_the_manager_approves_a_leave_request_and_the_roster_shows_it(demo_db):
    db, _ = demo_db
    pending = shift_requests.requests(db, actor_of(db, "manager"), status="pending")
    assert pending, "the demo has a pending leave request"
    request = pending[0]
    at = open_page(logged_in("manager"), "app_pages/schedule.py", project=request["project_id"])
    button(at, "批准").click().run()
    assert not at.exception
    assert shift_requests.requests(db, actor_of(db, "manager"))[0]["status"] in ("approved", "rejected")
    decided = next(r for r in shift_requests.requests(db, actor_of(db, "manager")) if r["id"] == request["id"])
    assert decided["status"] == "approved"
    cell = db.execute(
        "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
        [request["project_id"], request["agent_id"], request["day"]],
    ).fetchone()
    assert cell[0] == "leave"


def test_the_surge_plan_shows_a_short_notice_as_a_risk(demo_db):
    db, _ = demo_db
    project_id = live_project(db)
    at = open_page(logged_in("manager"), "app_pages/staffing.py", project=project_id)
    assert not at.exception
    short = next(
        p["id"] for p in promotions.promotions(db, actor_of(db, "manager"), project_id) if p["name"] == "年终清仓"
    )
    at.selectbox(key="surge_promo").set_value(short).run()
    assert any("通知期不足" in e.value for e in at.error)


def test_a_manager_enters_a_40_percent_promotion_with_5_days_notice_and_sees_the_risk(demo_db):
    db, _ = demo_db
    project_id = live_project(db)
    at = open_page(logged_in("manager"), "app_pages/staffing.py", project=project_id)
    today = config.today()
    name_box = next(w for w in at.text_input if w.label == "活动名称")
    name_box.input("品牌日")
    dates = {d.label: d for d in at.date_input}
    dates["开始日期"].set_value(today + timedelta(days=5))
    dates["结束日期"].set_value(today + timedelta(days=5))
    dates["商家通知日期"].set_value(today)
    next(n for n in at.number_input if n.label == "预计咨询量增幅(%)").set_value(40.0)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    promo = next(p for p in promotions.promotions(db, actor_of(db, "manager"), project_id) if p["name"] == "品牌日")
    assert promo["expected_rise"] == 0.4
    at.selectbox(key="surge_promo").set_value(promo["id"]).run()
    assert any("仅提前 5 天" in e.value and "7 天" in e.value for e in at.error)


def test_a_promotion_ending_before_it_starts_is_refused_with_a_message(demo_db):
    db, _ = demo_db
    project_id = live_project(db)
    before = len(promotions.promotions(db, actor_of(db, "manager"), project_id))
    at = open_page(logged_in("manager"), "app_pages/staffing.py", project=project_id)
    next(w for w in at.text_input if w.label == "活动名称").input("错日期")
    dates = {d.label: d for d in at.date_input}
    dates["开始日期"].set_value(config.today() + timedelta(days=9))
    dates["结束日期"].set_value(config.today() + timedelta(days=8))
    next(b for b in at.button if b.label == "保存").click().run()
    assert any("未保存" in e.value and "结束日期" in e.value for e in at.error)
    assert len(promotions.promotions(db, actor_of(db, "manager"), project_id)) == before


def test_the_agent_reads_the_handover_first_and_asks_for_leave(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("agent"), "app_pages/my_schedule.py")
    assert not at.exception
    assert at.title[0].value == "我的排班"
    assert at.subheader[0].value.startswith("接班须知") or any("没有排班" in i.value for i in at.info)
    before = len(shift_requests.requests(db, actor_of(db, "agent")))
    leave_form_reason = [w for w in at.text_input if w.label == "原因"][0]
    leave_form_reason.input("看病")
    buttons = [b for b in at.button if b.label == "提交申请"]
    buttons[0].click().run()
    assert not at.exception
    assert any("等待主管审批" in s.value for s in at.success)
    assert len(shift_requests.requests(db, actor_of(db, "agent"))) == before + 1


def test_an_agent_login_without_a_roster_agent_gets_a_clear_message(demo_db):
    db, _ = demo_db
    users.create_user(db, actor_of(db, "admin"), "newbie", "新人", "agent", "password-123")
    at = open_page(logged_in("newbie"), "app_pages/my_schedule.py")
    assert not at.exception
    assert any("还没有关联客服花名册" in i.value for i in at.info)


def test_an_agent_sees_only_its_own_shifts(demo_db):
    db, _ = demo_db
    me = directory.my_agent(db, actor_of(db, "agent"))
    at = open_page(logged_in("agent"), "app_pages/my_schedule.py")
    own = {
        c["day"]
        for c in shift_requests.my_roster(
            db, actor_of(db, "agent"), config.today() - timedelta(days=1), config.today() + timedelta(days=13)
        )
    }
    table = at.dataframe[0].value
    assert len(table) == len(own)
    others = [r for r in db.query("SELECT DISTINCT agent_id FROM roster_entries WHERE agent_id != ?", [me["id"]])]
    assert others  # the demo rosters other agents too, and none of them is on this page


def test_the_agent_leaves_a_handover_that_the_next_shift_reads(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("agent"), "app_pages/my_schedule.py")
    next(w for w in at.text_area if w.label == "未解决的问题").input("买家 tb_1 的退款还没到账，请晚班跟进")
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    assert any("已保存" in s.value for s in at.success)
    note = db.execute(
        "SELECT project_id, day, shift, unresolved FROM handover_notes ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert note[3].startswith("买家 tb_1")
    from datetime import date

    next_day, next_shift = (
        (date.fromisoformat(note[1]), "night")
        if note[2] == "day"
        else (date.fromisoformat(note[1]) + timedelta(days=1), "day")
    )
    assert [n["unresolved"] for n in handover.handover_for(db, actor_of(db, "manager"), note[0], next_day, next_shift)][
        0
    ].startswith("买家 tb_1")


def test_an_empty_handover_is_refused_on_the_page_and_nothing_is_saved(demo_db):
    db, _ = demo_db
    before = db["handover_notes"].count
    at = open_page(logged_in("manager"), "app_pages/schedule.py", project=live_project(db))
    next(b for b in at.button if b.label == "保存" and b.form_id == "handover_form").click().run()
    assert any("未保存" in e.value and "交接内容" in e.value for e in at.error)
    assert db["handover_notes"].count == before
