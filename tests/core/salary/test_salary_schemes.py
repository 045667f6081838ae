"""Pay schemes: the default of the trade, validation naming every problem, versions, who is paid by which scheme, the
form's units."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from core.kernel import i18n
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.kpi import daily_figures
from core.salary import schemes
from tests.core.salary.test_salary_support import payfirm, simple_scheme  # noqa: F401  (payfirm is a fixture)


def test_the_default_follows_trade_practice():
    data = schemes.default_scheme()
    weights = {k["kpi"]: k["weight"] for k in data["kpis"]}
    assert weights == {
        "sales": 0.30,
        "conversion_rate": 0.20,
        "aov": 0.20,
        "response_30s_rate": 0.20,
        "avg_response_s": 0.05,
        "attendance": 0.05,
    }
    assert all(k["scoring"] == "tiers" for k in data["kpis"])
    assert (data["grade_gold"], data["grade_silver"], data["grade_bronze"]) == (90.0, 80.0, 70.0)
    assert data["commission_tiers"] == [{"from": 0, "rate": 0.005}, {"from": 100000, "rate": 0.008}]
    assert data["achievement_cap"] == 1.2
    assert schemes.validate(data)[1] == []


def test_kpi_directions_agree_with_the_kpi_store():
    for name, (field_name, higher) in daily_figures.TARGETS.items():
        if name in schemes.KPIS:
            assert schemes.KPIS[name][0] == higher, name
    assert schemes.KPIS["avg_response_s"][0] is False and schemes.KPIS["first_response_s"][0] is False


def test_every_kpi_has_a_label_in_both_languages():
    for name in schemes.KPIS:
        assert f"salary.kpi.{name}" in i18n.CATALOGUE and f"field.salary.kpi.{name}" in i18n.CATALOGUE


def test_validation_names_every_problem():
    bad = simple_scheme(
        kpis=[
            {"kpi": "sales", "weight": 0.5, "target": 0, "scoring": "linear"},
            {"kpi": "sales", "weight": 0.3, "target": None, "scoring": "curve"},
        ],
        commission_tiers=[{"from": 1000, "rate": 0.005}],
        grade_gold=80.0,
        grade_silver=85.0,
        achievement_cap=0.9,
        deduct_late=-5,
        total_floor=5000.0,
        total_cap=3000.0,
    )
    clean, errors = schemes.validate(bad)
    found = {(e.field, e.key) for e in errors}
    assert found >= {
        ("row 1: salary.kpis", "err.salary.target_positive"),
        ("row 2: salary.kpis", "err.salary.kpi_repeat"),
        ("row 2: salary.kpis", "err.invalid_choice"),
        ("salary.kpis", "err.salary.weights_sum"),
        ("salary.commission_tiers", "err.salary.tiers_from_zero"),
        ("salary.grade_gold", "err.salary.grades_order"),
        ("salary.achievement_cap", "err.salary.cap_range"),
        ("salary.deduct_late", "err.non_negative"),
        ("salary.total_cap", "err.salary.cap_below_floor"),
    }
    assert next(e for e in errors if e.key == "err.salary.weights_sum").params == {"total": "80.00"}


def test_saving_makes_a_new_version_and_keeps_the_old_one_unchangeable(payfirm):
    f = payfirm
    assert schemes.save_version(f.db, f.manager, f.simple, simple_scheme(performance_amount=1500.0), "涨绩效") == 2
    found = schemes.versions(f.db, f.manager, f.simple)
    assert [(v["version"], v["data"]["performance_amount"]) for v in found] == [(2, 1500.0), (1, 1000.0)]
    assert schemes.get_scheme(f.db, f.manager, f.simple)["version"] == 2
    with pytest.raises(sqlite3.IntegrityError):
        f.db.execute("UPDATE salary_scheme_versions SET data = '{}' WHERE scheme_id = ?", [f.simple])
    with pytest.raises(ValidationError):
        schemes.save_version(f.db, f.manager, f.simple, simple_scheme(performance_amount=-1.0))
    assert schemes.get_scheme(f.db, f.manager, f.simple)["version"] == 2


def test_scheme_names_are_unique_and_required(payfirm):
    f = payfirm
    with pytest.raises(ValidationError) as caught:
        schemes.create_scheme(f.db, f.manager, "simple", simple_scheme())
    assert caught.value.errors[0].key == "err.duplicate"
    with pytest.raises(ValidationError):
        schemes.create_scheme(f.db, f.manager, " ", simple_scheme())


def test_the_scheme_of_a_day_is_the_agents_then_the_projects_then_the_companys(payfirm):
    f = payfirm
    project_scheme = schemes.create_scheme(f.db, f.manager, "project", simple_scheme())
    agent_scheme = schemes.create_scheme(f.db, f.manager, "agent", simple_scheme())
    schemes.assign(f.db, f.manager, project_scheme, date(2026, 9, 10), project_id=f.p1)
    schemes.assign(f.db, f.manager, agent_scheme, date(2026, 9, 20), agent_id=f.a)
    chooser = schemes.Chooser(f.db)
    assert chooser.scheme_id(f.a, f.p1, date(2026, 9, 9)) == f.simple
    assert chooser.scheme_id(f.a, f.p1, date(2026, 9, 10)) == project_scheme
    assert chooser.scheme_id(f.a, f.p1, date(2026, 9, 20)) == agent_scheme
    assert chooser.scheme_id(f.b, f.p2, date(2026, 9, 20)) == f.simple
    assert chooser.scheme_id(f.a, f.p1, date(2025, 12, 31)) is None


def test_only_managers_and_the_admin_touch_schemes(payfirm):
    f = payfirm
    for actor in (f.agent_user, f.merchant, f.trainer):
        with pytest.raises(PermissionDenied):
            schemes.create_scheme(f.db, actor, "x", simple_scheme())
        with pytest.raises(PermissionDenied):
            schemes.list_schemes(f.db, actor)
        with pytest.raises(PermissionDenied):
            schemes.assign(f.db, actor, f.simple, date(2026, 9, 1))


def test_a_choice_names_either_a_project_or_an_agent_and_can_be_withdrawn(payfirm):
    f = payfirm
    with pytest.raises(ValidationError):
        schemes.assign(f.db, f.manager, f.simple, date(2026, 9, 1), project_id=f.p1, agent_id=f.a)
    choice = schemes.assign(f.db, f.manager, f.simple, date(2026, 9, 1), project_id=f.p1)
    assert [c["level"] for c in schemes.assignments(f.db, f.manager)] == ["company", "project"]
    schemes.unassign(f.db, f.manager, choice)
    assert [c["level"] for c in schemes.assignments(f.db, f.manager)] == ["company"]


def test_the_form_shows_percentages_and_gives_back_fractions():
    data = schemes.default_scheme()
    form = schemes.to_form(data)
    assert form["commission_rate"] == 0.5 and form["achievement_cap"] == 120
    assert form["commission_tiers"][1] == {"from": 100000, "rate": 0.8}
    assert form["score_tiers"][0] == {"from": 120, "points": 120}
    assert next(k for k in form["kpis"] if k["kpi"] == "attendance") == {
        "kpi": "attendance",
        "weight": 5,
        "target": 100,
        "scoring": "tiers",
    }
    assert next(k for k in form["kpis"] if k["kpi"] == "sales")["target"] == 30000.0  # money stays money
    back = schemes.from_form(
        form | {"kpis": form["kpis"] + [{"kpi": None, "weight": float("nan"), "target": None, "scoring": None}]}
    )
    assert schemes.validate(back) == schemes.validate(data)
