"""AppTest runs of the roster, project team and training pages: each role's flows and refusals.

The demo firm is seeded once per module and copied for each test (seeding takes seconds).
"""

from __future__ import annotations

import shutil

import pytest

from core.accounts import users
from core.agents import directory
from core.bootstrap import open_store
from core.kernel import audit, uploads
from core.projects import merchants
from core.team import funnel as team
from core.team import materials
from demo import team as demo_team
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


@pytest.fixture(scope="module")
def seeded(_demo_template):
    """The session's seeded demo firm (tests/conftest.py); fixtures below copy it."""
    return _demo_template[0]


@pytest.fixture
def db(seeded, tmp_path, monkeypatch):
    """A fresh copy of the seeded demo firm, as APP_DB."""
    folder = tmp_path / "copy"
    shutil.copytree(seeded, folder)
    monkeypatch.setenv("APP_DB", str(folder / "app.db"))
    database = open_store(folder / "app.db")
    yield database
    database.close()


def project_of(db, prefix: str) -> int:
    return next(
        p["id"] for p in merchants.list_projects(db, actor_of(db, "admin")) if p["merchant_name"].startswith(prefix)
    )


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at) -> str:
    parts = [
        e.value for kind in ("error", "warning", "success", "info", "caption", "markdown") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


# --- roster -------------------------------------------------------------------------------------------


def test_the_roster_filters_by_status_and_offers_an_excel_export(db):
    at = open_page(logged_in("manager"), "app_pages/agents.py")
    assert not at.exception
    at.selectbox(key="ag_status").set_value("training").run()
    assert (
        at.caption[0].value
        == f"共 {len([a for a in directory.list_agents(db, actor_of(db, 'admin')) if a['status'] == 'training'])} "
        f"名客服"
    )
    assert at.download_button and at.download_button[0].label == "导出 Excel"
    at.text_input(key="ag_search").input("没有这个人").run()
    assert any("没有符合条件的客服" in i.value for i in at.info)


def test_a_manager_adds_an_agent_then_moves_them_into_training(db):
    at = open_page(logged_in("manager"), "app_pages/agents.py")
    next(w for w in at.text_input if w.label == "姓名").input("新同学")
    next(w for w in at.text_input if w.label == "工号").input("KF9001")
    button(at, "保存").click().run()
    assert not at.exception
    assert at.subheader[0].value == "新同学 · KF9001"
    at.selectbox[0].set_value("training")
    button(at, "变更状态").click().run()
    assert at.metric[0].value == "培训中"
    agent = next(a for a in directory.list_agents(db, actor_of(db, "admin"), search="KF9001"))
    assert agent["status"] == "training"


def test_a_duplicate_employee_number_is_refused_with_the_field_named(db):
    at = open_page(logged_in("admin"), "app_pages/agents.py")
    next(w for w in at.text_input if w.label == "姓名").input("重号")
    next(w for w in at.text_input if w.label == "工号").input("KF0001")
    button(at, "保存").click().run()
    assert any("工号: 已存在同名记录" in e.value for e in at.error)


def test_qa_reads_the_roster_and_an_agents_record_without_forms(db):
    at = open_page(logged_in("qa"), "app_pages/agents.py", agent=1)
    assert not at.exception
    assert at.subheader[0].value.startswith("小美")
    assert not [b for b in at.button if b.label in ("保存", "变更状态")]


def _phones_and_pay(db) -> tuple[set[str], set[str]]:
    roster = directory.list_agents(db, actor_of(db, "admin"))
    return {a["phone"] for a in roster if a["phone"]}, {f"{a['base_salary']:,.2f}" for a in roster}


@pytest.mark.parametrize("role", ["qa", "trainer"])
def test_qa_and_trainers_see_names_status_and_teams_but_no_phone_or_pay(db, role):
    phones, _pay = _phones_and_pay(db)
    at = open_page(logged_in(role), "app_pages/agents.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert {"姓名", "状态", "当前项目"} <= set(table.columns) and not {"手机号", "底薪(元)"} & set(table.columns)
    assert not any(p in str(at) or p in table.to_string() for p in phones)
    at = open_page(logged_in(role), "app_pages/agents.py", agent=1)
    assert not at.exception
    assert "底薪(元)" not in [m.label for m in at.metric] and not any(p in str(at) for p in phones)


def test_a_manager_sees_phone_and_pay_of_its_projects_agents_only(db):
    manager = actor_of(db, "manager")
    mine = {a["name"]: a for a in directory.list_agents(db, manager)}
    own = next(a for a in mine.values() if a["personal"])
    other = next(a for a in mine.values() if not a["personal"])  # on no project of this manager
    at = open_page(logged_in("manager"), "app_pages/agents.py")
    table = at.dataframe[0].value.set_index("姓名")
    assert (
        table.loc[own["name"], "手机号"] == own["phone"]
        and table.loc[own["name"], "底薪(元)"] == f"¥{own['base_salary']:,.2f}"
    )
    assert table.loc[other["name"], "手机号"] == "—" and table.loc[other["name"], "底薪(元)"] == "—"
    assert directory.get_agent(db, other["id"])["phone"] not in table.to_string()
    at = open_page(logged_in("manager"), "app_pages/agents.py", agent=own["id"])
    assert next(m for m in at.metric if m.label == "底薪(元)").value == f"¥{own['base_salary']:,.2f}"
    at = open_page(logged_in("manager"), "app_pages/agents.py", agent=other["id"])
    assert "底薪(元)" not in [m.label for m in at.metric] and directory.get_agent(db, other["id"])["phone"] not in str(
        at
    )


def test_an_unknown_agent_in_the_url_is_not_found(db):
    at = open_page(logged_in("manager"), "app_pages/agents.py", agent=99999)
    assert any("找不到" in e.value for e in at.error)


# --- project team -----------------------------------------------------------------------------------------


def test_a_short_funnel_is_red_and_readiness_says_what_is_missing(db):
    at = open_page(logged_in("manager"), "app_pages/team.py", project=project_of(db, "鲜果坊"))
    assert not at.exception
    assert any("人员漏斗不足：录取、排班上线" in e.value for e in at.error)
    shown = texts(at)
    assert "录取人数不足：9 / 16" in shown and "首周排班未排满：6 / 12" in shown and "已逾期" in shown
    assert button(at, "变更为已上线").disabled  # a manager cannot override


def test_the_admin_overrides_going_live_with_a_reason(db):
    project_id = project_of(db, "鲜果坊")
    at = open_page(logged_in("admin"), "app_pages/team.py", project=project_id)
    next(w for w in at.text_area if w.label == "特批理由（总监）").input("商家大促提前上线，人员两天内补齐")
    button(at, "变更为已上线").click().run()
    assert not at.exception
    assert merchants.get_project(db, actor_of(db, "admin"), project_id)["status"] == "live"
    assert any(r["action"] == "go_live_override" for r in audit.search(db, actor_of(db, "admin"), entity="project"))


def test_going_live_without_a_reason_is_refused_and_lists_the_gaps(db):
    project_id = project_of(db, "鲜果坊")
    at = open_page(logged_in("admin"), "app_pages/team.py", project=project_id)
    button(at, "变更为已上线").click().run()
    assert any("录取人数不足" in e.value for e in at.error)
    assert merchants.get_project(db, actor_of(db, "admin"), project_id)["status"] == "training"


def test_a_trainer_matches_candidates_from_the_qualified_pool(db):
    project_id = project_of(db, "潮流服饰")
    at = open_page(logged_in("trainer"), "app_pages/team.py", project=project_id)
    eligible = [a["id"] for a in team.eligible_agents(db, actor_of(db, "trainer"), project_id)]
    pool = at.multiselect[0]
    assert len(pool.options) == len(eligible) > 2  # agents who passed the basic exam
    pool.set_value(eligible[:2])
    button(at, "匹配").click().run()
    assert not at.exception
    assert team.funnel(db, actor_of(db, "admin"), project_id)["stages"][0]["reached"] == 7
    assert any("已匹配 2 人" in s.value for s in at.success)


def test_a_merchant_sees_its_team_read_only_and_no_other(db):
    at = open_page(logged_in("merchant"), "app_pages/team.py")
    assert not at.exception
    assert not [b for b in at.button if b.label in ("匹配", "添加", "变更为已上线", "保存")]
    # issue 18: the merchant sees its team, not our go-live readiness (tests/app_pages/test_merchant_pages.py)
    assert "为您服务的客服团队" in texts(at) and "上线条件" not in texts(at) and at.dataframe
    at = open_page(logged_in("merchant"), "app_pages/team.py", project=project_of(db, "鲜果坊"))
    assert any("找不到" in e.value for e in at.error) and not at.metric


def test_settings_change_the_targets(db):
    project_id = project_of(db, "潮流服饰")
    at = open_page(logged_in("manager"), "app_pages/team.py", project=project_id)
    next(n for n in at.number_input if n.label == "筛选倍数").set_value(2.0)
    button(at, "保存").click().run()
    assert not at.exception
    assert team.funnel(db, actor_of(db, "admin"), project_id)["stages"][0]["target"] == 8


# --- training ---------------------------------------------------------------------------------------------------


def test_a_trainer_uploads_courseware_and_a_wrong_type_is_refused(db):
    project_id = project_of(db, "优品家居")
    at = open_page(logged_in("trainer"), "app_pages/training.py", project=project_id)
    uploader = at.file_uploader(key=f"mat_file_{project_id}")
    upload = next(b for b in at.button if b.label == "上传" and b.form_id == f"mat_upload_{project_id}")
    uploader.set_value(("setup.exe", b"MZ\x90", "application/octet-stream"))
    upload.click().run()
    assert any("不支持的文件类型 .exe" in e.value for e in at.error)
    at.file_uploader(key=f"mat_file_{project_id}").set_value(("售后课件.pdf", b"%PDF-1.4 demo", "application/pdf"))
    next(w for w in at.text_input if w.label == "标题").input("售后专项课件")
    next(b for b in at.button if b.label == "上传" and b.form_id == f"mat_upload_{project_id}").click().run()
    assert not at.exception
    listed = {m["title"]: m for m in materials.list_materials(db, actor_of(db, "admin"), project_id)}
    assert listed["售后专项课件"]["review_status"] == "pending"


def test_the_merchant_confirms_pending_courseware(db):
    project_id = project_of(db, "鲜果坊")
    at = open_page(logged_in("merchant2"), "app_pages/training.py")
    assert not at.exception
    assert not [b for b in at.button if b.label == "上传"]
    button(at, "确认无误").click().run()
    assert not at.exception
    course = next(
        m for m in materials.list_materials(db, actor_of(db, "admin"), project_id) if m["category"] == "courseware"
    )
    assert course["review_status"] == "confirmed"


def test_returning_without_a_comment_is_refused(db):
    at = open_page(logged_in("merchant2"), "app_pages/training.py")
    button(at, "退回修改").click().run()
    assert any("退回时请写明意见" in e.value for e in at.error)


def test_a_trainer_records_two_exams_and_the_agent_is_admitted(db):
    project_id = project_of(db, "优品家居")
    at = open_page(logged_in("trainer"), "app_pages/training.py", project=project_id)
    candidate = next(
        c for c in team.candidates(db, actor_of(db, "admin"), project_id) if c["name"] == demo_team.EXAM_CANDIDATE
    )
    for exam_type, score, expected in (
        ("written", 90.0, "尚缺：模拟真实环境在线接待"),
        ("simulation", 45.0, "已通过全部考核，已录取"),
    ):
        next(s for s in at.selectbox if s.label == "客服").set_value(candidate["agent_id"])
        next(s for s in at.selectbox if s.label == "考核类型" and "神秘顾客" in s.options).set_value(exam_type)
        next(n for n in at.number_input if n.label == "得分").set_value(score)
        next(n for n in at.number_input if n.label == "满分").set_value(100.0 if exam_type == "written" else 50.0)
        button(at, "保存成绩").click().run()
        assert not at.exception
        assert any(expected in m.value for m in [*at.success, *at.warning]), texts(at)
    [after] = [
        c for c in team.candidates(db, actor_of(db, "admin"), project_id) if c["agent_id"] == candidate["agent_id"]
    ]
    assert after["admitted"]


def test_an_agent_sees_only_their_own_training_record(db):
    at = open_page(logged_in("agent"), "app_pages/training.py")
    assert not at.exception
    assert at.subheader[0].value == "我的培训记录"
    assert not at.selectbox  # no project picker, nobody else's data
    assert at.download_button  # the materials of their project


def test_the_admin_sets_the_upload_types_and_size(db):
    at = open_page(logged_in("admin"), "app_pages/training.py")
    next(w for w in at.text_input if w.label == "允许的文件类型").input("pdf, pptx")
    next(n for n in at.number_input if n.label == "文件大小上限(MB)").set_value(20)
    next(b for b in at.button if b.label == "保存" and b.form_id == "upload_settings").click().run()
    assert not at.exception
    assert uploads.allowed_extensions(db) == ("pdf", "pptx") and uploads.max_upload_mb(db) == 20


def test_the_pages_speak_english_too(db):
    users.set_language(db, actor_of(db, "manager"), "en")
    for path, title in (
        ("app_pages/team.py", "Project team building"),
        ("app_pages/training.py", "Training & exams"),
        ("app_pages/agents.py", "Agent roster"),
    ):
        at = open_page(logged_in("manager"), path)
        assert not at.exception and at.title[0].value == title


def _home_alert_script() -> None:
    """What the home page runs: the short-funnel alert of the logged-in user (here: the manager)."""
    from core.accounts import users as _users
    from core.kernel.db import connect as _connect
    from ui import context as _context
    from ui.team_widgets import short_funnel_alert

    database = _connect()
    actor = _users.actor_from_row(_users.find_by_username(database, "manager"))
    ctx = _context.Context(db=database, actor=actor, lang="zh")
    short_funnel_alert(ctx)


def test_the_home_page_alert_links_each_short_project_to_its_team_page(db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_home_alert_script, default_timeout=60).run()
    assert not at.exception
    lines = [m.value for m in at.markdown]
    assert len(lines) == len(team.short_funnels(db, actor_of(db, "manager"))) == 3
    xianguo, meizhuang = project_of(db, "鲜果坊"), project_of(db, "美妆小铺")
    assert any(":red[" in line and "录取 9/16" in line and f"(/team?project={xianguo})" in line for line in lines)
    assert any("排班上线 13/15" in line and f"(/team?project={meizhuang})" in line for line in lines)


def _project_warning_script() -> None:
    """What a project's page runs: the warning of a short funnel, for 鲜果坊 (short) and 优品家居 (full)."""
    from core.accounts import users as _users
    from core.kernel.db import connect as _connect
    from core.projects import merchants as _merchants
    from ui import context as _context
    from ui.team_widgets import project_funnel_warning

    database = _connect()
    actor = _users.actor_from_row(_users.find_by_username(database, "manager"))
    ctx = _context.Context(db=database, actor=actor, lang="zh")
    for project in _merchants.list_projects(database, actor):
        if project["merchant_name"][:2] in ("鲜果", "优品"):
            project_funnel_warning(ctx, project["id"])


def test_a_projects_own_page_warns_of_its_short_funnel_only(db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_project_warning_script, default_timeout=60).run()
    assert not at.exception
    [warning] = at.error
    assert (
        "人员漏斗不足：录取 9/16、排班上线 6/12" in warning.value
        and f"/team?project={project_of(db, '鲜果坊')}" in warning.value
    )
