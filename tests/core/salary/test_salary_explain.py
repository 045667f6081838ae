"""What a statement's figures mean: days on duty, missing composite indices, the grade."""

from __future__ import annotations

from datetime import date

from core.salary import explain, payrun, schemes
from core.team import exams
from tests.core.salary.test_salary_support import (
    kpi_row,
    payfirm,  # noqa: F401  (a fixture)
    run_and_read,
    simple_scheme,
    statement_of,
)

# --- what a statement's figures mean (statement_notes) -------------------------------------------------------------


def note(notes: list[dict], key: str) -> dict:
    return next(n for n in notes if n["key"] == key)


def test_days_on_duty_are_calendar_days_on_a_team_said_so_beside_the_attended_shifts(payfirm):
    f = payfirm
    s = statement_of(f, f.b)  # on P1 to 09-10, then P2: 10 + 20 calendar days
    days = note(explain.statement_notes(f.db, s), "salary.note.days")
    assert days["params"] == {"days": 30, "month_days": 30, "start": "2026-09-01", "end": "2026-09-30"}
    text = explain.note_text(days, "zh")
    assert (
        text.startswith("在岗 30/30 天：2026-09-01 至 2026-09-30 在项目团队中的日历天数（含休息日）")
        and "出勤天数" in text
    )
    estimate = payrun.month_to_date(f.db, f.agent_user, today=date(2026, 9, 3))
    days = note(explain.statement_notes(f.db, estimate), "salary.note.days_estimate")
    assert days["params"] == {"days": 3, "month_days": 30, "start": "2026-09-01", "end": "2026-09-03"}
    assert "在岗 3/30 天：本月 2026-09-01 至今天（2026-09-03）" in explain.note_text(days, "zh")


def test_a_missing_index_says_which_input_is_missing_and_that_an_unweighed_one_changes_no_pay(payfirm):
    f = payfirm
    exams.record_exam(
        f.db,
        f.admin,
        {
            "agent_id": f.a,
            "project_id": None,
            "exam_type": "written",
            "score": 80,
            "max_score": 100,
            "exam_date": date(2026, 8, 20),
        },
    )
    s = statement_of(f, f.a)  # an exam, no QA review: the service quality index (exam + QA) / 2 has no figure
    missing = [n for n in explain.statement_notes(f.db, s) if n["key"] == "salary.note.index_missing"]
    assert [(n["params"]["index_key"], n["params"]["missing"], n["params"]["effect"]["key"]) for n in missing] == [
        ("salary.kpi.service_quality_index", ["salary.note.missing.qa_score"], "salary.note.effect_not_weighed")
    ]
    assert (
        explain.note_text(missing[0], "zh")
        == "服务质量指标无数据：本月还没有质检评分。本方案不考核此指标，它不影响本月工资。"
    )
    s = statement_of(f, f.b)  # no exam at all: both exam-based indices, each naming what is missing
    missing = {
        n["params"]["index_key"]: n["params"]["missing"]
        for n in explain.statement_notes(f.db, s)
        if n["key"] == "salary.note.index_missing"
    }
    assert missing == {
        "salary.kpi.service_quality_index": ["salary.note.missing.exam_score", "salary.note.missing.qa_score"],
        "salary.kpi.training_index": ["salary.note.missing.exam_score"],
    }


def test_a_missing_index_the_scheme_weighs_scores_zero_at_its_weight(payfirm):
    f = payfirm
    schemes.save_version(
        f.db,
        f.manager,
        f.simple,
        simple_scheme(
            kpis=[
                {"kpi": "sales", "weight": 0.75, "target": 90000.0, "scoring": "linear"},
                {"kpi": "service_quality_index", "weight": 0.25, "target": 80.0, "scoring": "linear"},
            ]
        ),
    )
    s = statement_of(f, f.a)
    missing = {
        n["params"]["index_key"]: n for n in explain.statement_notes(f.db, s) if n["key"] == "salary.note.index_missing"
    }
    weighed = missing["salary.kpi.service_quality_index"]["params"]["effect"]
    assert weighed == {"key": "salary.note.effect_weighed", "params": {"weight": "25%"}}
    assert "按 25% 的权重考核此指标，无数据按0分计入KPI得分" in explain.note_text(
        missing["salary.kpi.service_quality_index"], "zh"
    )


def test_the_grade_note_says_what_the_grade_depends_on_and_why_there_is_none(payfirm):
    f = payfirm
    s = statement_of(f, f.a)  # no KPI data: score 0, below bronze 70
    grade = note(explain.statement_notes(f.db, s), "salary.note.no_grade")
    assert grade["params"] == {"score": "0.00", "gold": "90", "silver": "80", "bronze": "70"}
    assert explain.note_text(grade, "zh") == (
        "未定级：等级按本月KPI得分评定（金牌 ≥ 90、银牌 ≥ 80、铜牌 ≥ 70），KPI得分 0.00 低于铜牌线 70，"
        "所以没有等级和等级奖金。"
    )
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    s = run_and_read(f, f.a)  # 97.5 points: gold
    notes = explain.statement_notes(f.db, s)
    assert note(notes, "salary.note.grade")["params"] == {
        "score": "97.50",
        "grade_key": "salary.grade.gold",
        "limit": "90",
        "gold": "90",
        "silver": "80",
        "bronze": "70",
    }
    assert explain.note_text(note(notes, "salary.note.grade"), "zh").startswith("等级金牌：KPI得分 97.50 ≥ 金牌线 90")
    assert not [n for n in notes if n["key"] == "salary.note.grade_estimate"]
    # a statement stored before the thresholds were kept with it reads them from its scheme version
    older = {**s, "summary": {k: v for k, v in s["summary"].items() if k != "grading"}}
    assert explain.statement_notes(f.db, older) == notes
    estimate = payrun.month_to_date(f.db, f.agent_user, today=date(2026, 9, 3))
    assert note(explain.statement_notes(f.db, estimate), "salary.note.grade_estimate")
