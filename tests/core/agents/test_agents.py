"""The agent roster: dated status changes, edits, linking a login, search and filters, team assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.agents import directory
from core.kernel import audit, config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.team import funnel
from tests.core.team.team_support import confirmed_project, make_agents, user


def new_agent(db, actor, **data):
    return directory.create_agent(db, actor, {"name": "小美", "employee_no": "KF0001", **data})


def test_status_moves_candidate_to_training_to_online_and_each_change_is_dated(fresh_db, admin):
    agent_id = new_agent(fresh_db, admin)
    last_week = config.today() - timedelta(days=7)
    directory.change_status(fresh_db, admin, agent_id, "training", on=last_week)
    directory.change_status(fresh_db, admin, agent_id, "online", "考核通过")
    history = directory.status_history(fresh_db, admin, agent_id)
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "candidate"),
        ("candidate", "training"),
        ("training", "online"),
    ]
    assert [h["effective_on"] for h in history] == [
        config.today().isoformat(),
        last_week.isoformat(),
        config.today().isoformat(),
    ]
    [row] = directory.list_agents(fresh_db, admin)
    assert row["status"] == "online" and row["since"] == config.today().isoformat()
    assert len([r for r in audit.search(fresh_db, admin, entity="agent") if r["action"] == "status"]) == 2


def test_a_status_change_outside_the_life_cycle_or_in_the_future_is_refused(fresh_db, admin):
    agent_id = new_agent(fresh_db, admin)
    with pytest.raises(ValidationError) as caught:
        directory.change_status(fresh_db, admin, agent_id, "online", on=config.today() + timedelta(days=1))
    assert {e.key for e in caught.value.errors} == {"err.team.bad_agent_transition", "err.team.date_future"}
    directory.change_status(fresh_db, admin, agent_id, "left")
    assert directory.allowed_status_changes("left") == ("candidate",)  # a leaver may be rehired
    assert directory.get_agent(fresh_db, agent_id)["status"] == "left"


def test_trainers_change_statuses_but_only_managers_edit_the_roster(fresh_db, admin):
    trainer = user(fresh_db, admin, "trainer", "trainer")
    agent_id = new_agent(fresh_db, admin)
    directory.change_status(fresh_db, trainer, agent_id, "training")
    with pytest.raises(PermissionDenied):
        directory.update_agent(fresh_db, trainer, agent_id, {"phone": "1"})
    with pytest.raises(PermissionDenied):
        directory.change_status(fresh_db, user(fresh_db, admin, "qa", "qa"), agent_id, "online")


def test_editing_keeps_the_status_and_normalises_skills(fresh_db, admin):
    agent_id = new_agent(fresh_db, admin)
    directory.update_agent(
        fresh_db,
        admin,
        agent_id,
        {"phone": "13900000000", "skills": "售前，售后、售前 / 直播", "base_salary": "3800.456", "status": "online"},
    )
    agent = directory.get_agent(fresh_db, agent_id)
    assert (agent["phone"], agent["skills"], agent["base_salary"], agent["status"]) == (
        "13900000000",
        "售前,售后,直播",
        3800.46,
        "candidate",
    )
    with pytest.raises(ValidationError) as caught:
        directory.update_agent(fresh_db, admin, agent_id, {"name": "", "base_salary": -1})
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("team.name", "err.required"),
        ("team.base_salary", "err.non_negative"),
    }


def test_a_login_of_role_agent_links_to_one_roster_row_only(fresh_db, admin):
    first, second = new_agent(fresh_db, admin), new_agent(fresh_db, admin, employee_no="KF0002")
    kf = user(fresh_db, admin, "kf", "agent")
    boss = user(fresh_db, admin, "mgr", "manager")
    assert [u["username"] for u in directory.linkable_users(fresh_db, admin)] == ["kf"]
    directory.update_agent(fresh_db, admin, first, {"user_id": kf.id})
    assert directory.linkable_users(fresh_db, admin) == []
    assert [u["username"] for u in directory.linkable_users(fresh_db, admin, first)] == ["kf"]
    with pytest.raises(ValidationError) as caught:
        directory.update_agent(fresh_db, admin, second, {"user_id": kf.id})
    assert caught.value.errors[0].key == "err.team.login_taken"
    with pytest.raises(ValidationError):
        directory.update_agent(fresh_db, admin, second, {"user_id": boss.id})
    assert directory.read_agent(fresh_db, kf, first)["id"] == first
    with pytest.raises(NotFound):
        directory.read_agent(fresh_db, kf, second)  # another agent's row


def test_the_roster_is_searched_and_filtered_by_status_skill_and_project(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    a = new_agent(fresh_db, admin, name="阿杰", employee_no="KF0001", skills="售前,直播", phone="13911112222")
    b = new_agent(fresh_db, admin, name="Amy", employee_no="KF0002", skills="售后", status="training")
    c = new_agent(fresh_db, admin, name="老王", employee_no="KF0003", skills="售前")
    funnel.add_to_team(fresh_db, admin, project_id, c, "online", "day", config.today())
    assert [r["id"] for r in directory.list_agents(fresh_db, admin, search="1111")] == [a]
    assert [r["id"] for r in directory.list_agents(fresh_db, admin, search="kf0002")] == [b]
    assert [r["id"] for r in directory.list_agents(fresh_db, admin, status="training")] == [b]
    assert [r["id"] for r in directory.list_agents(fresh_db, admin, skill="售前")] == [a, c]
    assert [r["id"] for r in directory.list_agents(fresh_db, admin, skill="售")] == []  # whole skills only
    [on_project] = directory.list_agents(fresh_db, admin, project_id=project_id)
    assert on_project["id"] == c and on_project["projects"] == "售前"
    assert directory.all_skills(fresh_db) == sorted(["售前", "售后", "直播"])
    with pytest.raises(PermissionDenied):
        directory.list_agents(fresh_db, user(fresh_db, admin, "shop", "agent"))


def test_the_basic_exam_shows_on_the_roster(fresh_db, admin):
    [passed] = make_agents(fresh_db, admin, 1, "P")
    [untrained] = make_agents(fresh_db, admin, 1, "U", basic=False)
    flags = {r["id"]: r["basic_passed"] for r in directory.list_agents(fresh_db, admin)}
    assert flags == {passed: 1, untrained: 0}


def test_an_assignment_ends_on_a_day_and_the_agent_leaves_the_team(fresh_db, admin):
    project_id = confirmed_project(fresh_db, admin)
    agent_id = new_agent(fresh_db, admin)
    start = config.today() - timedelta(days=30)
    assignment_id = funnel.add_to_team(fresh_db, admin, project_id, agent_id, "online", "night", start, "鲜果:小美")
    with pytest.raises(ValidationError):
        directory.end_assignment(fresh_db, admin, assignment_id, start - timedelta(days=1))
    directory.end_assignment(fresh_db, admin, assignment_id, config.today() - timedelta(days=1))
    assert directory.project_team(fresh_db, admin, project_id) == []
    [past] = directory.assignments(fresh_db, admin, agent_id)
    assert past["to_date"] == (config.today() - timedelta(days=1)).isoformat() and past["sub_account"] == "鲜果:小美"


def _roster_with_two_managers(db, admin):
    """Two projects with their own manager; 小美 on the first's team, 老王 matched as the second's candidate,
    阿杰 on none."""
    from core.projects import merchants

    mine, theirs = user(db, admin, "mgr_a", "manager"), user(db, admin, "mgr_b", "manager")
    shop = merchants.create_merchant(db, admin, {"name": "优品家居", "platform": "tmall"})
    first = merchants.create_project(db, admin, shop, "售前", mine.id)
    second = merchants.create_project(db, admin, shop, "售后", theirs.id)
    mei = new_agent(db, admin, phone="13800000001", base_salary=4200)
    wang = new_agent(db, admin, name="老王", employee_no="KF0002", phone="13800000002", base_salary=3900)
    jie = new_agent(db, admin, name="阿杰", employee_no="KF0003", phone="13800000003", base_salary=3600)
    directory.assign(db, admin, first, mei, "online", "day", config.today() - timedelta(days=10), "优品:小美")
    db["project_candidates"].insert({"project_id": second, "agent_id": wang, "matched_on": config.today().isoformat()})
    return mine, theirs, {"小美": mei, "老王": wang, "阿杰": jie}


def test_phone_and_base_salary_are_for_the_director_and_the_agents_own_manager_only(fresh_db, admin):
    mine, theirs, ids = _roster_with_two_managers(fresh_db, admin)
    qa_user, trainer = user(fresh_db, admin, "inspector", "qa"), user(fresh_db, admin, "coach", "trainer")

    def seen(actor):
        return {a["name"]: (a["phone"], a["base_salary"]) for a in directory.list_agents(fresh_db, actor)}

    assert seen(admin) == {
        "小美": ("13800000001", 4200.0),
        "老王": ("13800000002", 3900.0),
        "阿杰": ("13800000003", 3600.0),
    }
    assert seen(mine) == {"小美": ("13800000001", 4200.0), "老王": (None, None), "阿杰": (None, None)}
    assert seen(theirs) == {"小美": (None, None), "老王": ("13800000002", 3900.0), "阿杰": (None, None)}
    for actor in (qa_user, trainer):
        assert seen(actor) == {
            "小美": (None, None),
            "老王": (None, None),
            "阿杰": (None, None),
        }  # names, status, teams only
        row = directory.read_agent(fresh_db, actor, ids["小美"])
        assert (row["phone"], row["base_salary"], row["personal"], row["name"], row["status"]) == (
            None,
            None,
            False,
            "小美",
            "candidate",
        )
        assert (
            directory.list_agents(fresh_db, actor, search="13800000001") == []
        )  # the search finds no one by a phone one may not see
    assert directory.read_agent(fresh_db, mine, ids["小美"])["phone"] == "13800000001"
    assert directory.read_agent(fresh_db, mine, ids["阿杰"])["base_salary"] is None
    assert [a["name"] for a in directory.list_agents(fresh_db, mine, search="13800000001")] == ["小美"]


def test_a_manager_cannot_set_the_pay_or_phone_of_an_agent_not_on_its_projects_and_edits_keep_them(fresh_db, admin):
    mine, _theirs, ids = _roster_with_two_managers(fresh_db, admin)
    with pytest.raises(PermissionDenied):
        directory.update_agent(fresh_db, mine, ids["阿杰"], {"base_salary": 9999})
    directory.update_agent(fresh_db, mine, ids["阿杰"], {"skills": "售后"})  # other fields: fine, pay and phone kept
    row = directory.get_agent(fresh_db, ids["阿杰"])
    assert (row["skills"], row["base_salary"], row["phone"]) == ("售后", 3600.0, "13800000003")
    directory.update_agent(fresh_db, mine, ids["小美"], {"base_salary": 4500})
    assert directory.get_agent(fresh_db, ids["小美"])["base_salary"] == 4500.0
