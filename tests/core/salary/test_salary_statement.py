"""One agent's month computed by hand: every line and its explanation, missing targets, a change
of project mid-month, deductions naming their cause, limits, the composite indices."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.complaints import complaints
from core.kernel.errors import ValidationError
from core.qa import reviews
from core.salary import attendance, payrun, schemes
from core.salary.sources import composite_indices
from core.salary.statement import compute_month
from core.team import exams
from tests.core.qa.test_qa_support import best, default_card
from tests.core.salary.test_salary_support import (
    MONTH,
    amounts,
    kpi_row,
    lines_of,
    payfirm,  # noqa: F401  (a fixture)
    run_and_read,
    simple_scheme,
    statement_of,
    user,
)

# --- a full month, line by line ---------------------------------------------------------------------------------


def test_a_full_month_base_tiered_commission_performance_and_grade_bonus(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    s = run_and_read(f, f.a)
    assert amounts(s, "base") == ["3000.00"]  # 3000 × 30 / 30
    assert amounts(s, "commission") == ["900.00"]  # 100000 × 0.5 % + 50000 × 0.8 %
    assert amounts(s, "performance") == ["975.00"]  # 1000 × 30/30 × 97.5 / 100
    assert s["kpi_score"] == Decimal("97.50")  # 0.5 × 120 (capped 120 %) + 0.5 × 75 (30 s / 40 s)
    assert s["grade"] == "gold" and amounts(s, "bonus") == ["200.00"]
    assert s["total"] == Decimal("5075.00") == sum(line["amount"] for line in s["lines"])
    assert s["sales"] == Decimal("150000.00")


def test_a_lower_is_better_kpi_scores_target_over_actual(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=90000.00, avg_response_s=40.0)
    performance = lines_of(statement_of(f, f.a), "performance")[0]
    table = performance["explanation"]["tables"][0]
    response = next(row for row in table["rows"] if row[0] == "@salary.kpi.avg_response_s")
    assert response[1:7] == [
        "40.0 s",
        "30.0 s",
        "@salary.source.order_confirmation",
        "@salary.dir.lower",
        "75.00%",
        "75.00%",
    ]
    assert response[8] == "75.00"
    sales = next(row for row in table["rows"] if row[0] == "@salary.kpi.sales")
    assert sales[2] == "90,000.00" and sales[3] == "@salary.source.scheme_prorated" and sales[5] == "100.00%"


def test_achievement_is_capped_at_the_schemes_setting(payfirm):
    f = payfirm
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(achievement_cap=1.5))
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=180000.00, avg_response_s=60.0)
    s = statement_of(f, f.a)
    assert s["kpi_score"] == Decimal("100.00")  # 0.5 × 150 (200 % capped at 150 %) + 0.5 × 50 = 100
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme())
    assert statement_of(f, f.a)["kpi_score"] == Decimal("85.00")  # 0.5 × 120 + 0.5 × 50


def test_sales_of_several_days_are_summed_exactly_to_the_tier_boundary(payfirm):
    f = payfirm
    for day, sales in (("2026-09-01", 33333.33), ("2026-09-02", 33333.33), ("2026-09-03", 33333.34)):
        kpi_row(f.db, f.p1, day, "优品:小美", sales=sales)
    s = statement_of(f, f.a)
    assert s["sales"] == Decimal("100000.00") and amounts(s, "commission") == ["500.00"]
    commission = lines_of(s, "commission")[0]["explanation"]
    assert commission["calc"] == "100,000.00 × 0.50% = 500.00"
    assert [row[0] for row in commission["tables"][1]["rows"]] == [
        "2026-09-01",
        "2026-09-02",
        "2026-09-03",
    ]  # the sales behind it


def test_an_agent_without_kpi_data_gets_zero_points_said_so_never_hidden(payfirm):
    f = payfirm
    s = statement_of(f, f.a)
    performance = lines_of(s, "performance")[0]
    assert s["kpi_score"] == Decimal("0.00") and amounts(s, "performance") == ["0.00"]
    assert all(row[1] == "@salary.no_data" for row in performance["explanation"]["tables"][0]["rows"])


def test_every_line_opens_to_formula_calculation_inputs_and_result(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    s = run_and_read(f, f.a)
    for line in s["lines"]:
        explanation = line["explanation"]
        assert (
            explanation["formula"].startswith("salary.f.")
            and explanation["calc"]
            and explanation["result"] == f"{line['amount']:,.2f}"
        )
    base = lines_of(s, "base")[0]["explanation"]
    assert base["calc"] == "3,000.00 × 30 / 30 = 3,000.00"
    assert {"label": "salary.in.scheme", "value": "simple v1", "params": {}} in base["inputs"]
    assert lines_of(s, "performance")[0]["explanation"]["calc"] == "1,000.00 × 30 / 30 × 97.50 / 100 = 975.00"


# --- missing targets ---------------------------------------------------------------------------------------------


def test_a_missing_target_stops_the_run_naming_the_kpi_agent_and_project(payfirm):
    f = payfirm
    schemes.save_version(
        f.db,
        f.manager,
        f.simple,
        simple_scheme(
            kpis=[
                {"kpi": "sales", "weight": 0.5, "target": 90000.0, "scoring": "linear"},
                {"kpi": "effective_reply_rate", "weight": 0.5, "target": None, "scoring": "linear"},
            ]
        ),
    )  # no order-confirmation target exists
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=1000.0)
    with pytest.raises(ValidationError) as caught:
        payrun.run_month(f.db, f.manager, MONTH)
    errors = {(e.field, e.params["agent"]) for e in caught.value.errors}
    assert ("salary.kpi.effective_reply_rate", "小美") in errors and (
        "salary.kpi.effective_reply_rate",
        "阿杰",
    ) in errors
    first = caught.value.errors[0]
    assert (
        first.key == "err.salary.missing_target"
        and first.params["scheme"] == "simple"
        and "优品家居" in first.params["project"]
    )
    assert f.db["pay_runs"].count == 0 and f.db["pay_lines"].count == 0  # nothing half-written


def test_a_project_without_a_confirmed_order_confirmation_has_no_targets_to_fall_back_on(payfirm):
    f = payfirm
    from core.agents import directory
    from core.projects import merchants

    merchant_id = merchants.create_merchant(f.db, f.admin, {"name": "潮流服饰", "platform": "taobao"})
    bare = merchants.create_project(f.db, f.admin, merchant_id, "售前")
    c = directory.create_agent(
        f.db, f.admin, {"name": "晓晓", "employee_no": "KF3", "status": "online", "base_salary": 3000}
    )
    directory.assign(f.db, f.admin, bare, c, "online", "day", date(2026, 8, 1), "潮流:晓晓")
    with pytest.raises(ValidationError) as caught:
        compute_month(f.db, MONTH)
    assert [(e.field, e.params["agent"]) for e in caught.value.errors] == [("salary.kpi.avg_response_s", "晓晓")]


def test_no_scheme_for_an_agent_is_an_error_not_a_zero(payfirm):
    f = payfirm
    f.db.execute("DELETE FROM salary_scheme_assignments")
    with pytest.raises(ValidationError) as caught:
        compute_month(f.db, MONTH)
    assert {e.key for e in caught.value.errors} == {"err.salary.no_scheme"}
    assert {e.params["agent"] for e in caught.value.errors} == {"小美", "阿杰"}


# --- changing project mid-month ----------------------------------------------------------------------------------


def test_an_agent_who_changed_project_mid_month_is_paid_by_each_projects_scheme_for_its_days(payfirm):
    f = payfirm
    beauty = schemes.create_scheme(
        f.db,
        f.manager,
        "beauty",
        simple_scheme(
            commission_mode="flat",
            commission_rate=0.01,
            performance_amount=600.0,
            kpis=[{"kpi": "sales", "weight": 1.0, "target": 30000.0, "scoring": "linear"}],
        ),
    )
    schemes.assign(f.db, f.manager, beauty, date(2026, 9, 1), project_id=f.p2)
    kpi_row(f.db, f.p1, "2026-09-05", "优品:阿杰", sales=20000.00, avg_response_s=30.0)
    kpi_row(f.db, f.p1, "2026-09-15", "优品:阿杰", sales=5000.00)  # after the move: not P1's to pay
    kpi_row(f.db, f.p2, "2026-09-20", "美妆:阿杰", sales=10000.00)
    s = run_and_read(f, f.b)
    assert [s_["days"] for s_ in s["summary"]["segments"]] == [10, 20]
    assert amounts(s, "base") == ["1000.00", "2000.00"]  # 3000 × 10/30, 3000 × 20/30
    assert amounts(s, "commission") == ["100.00", "100.00"]  # 20000 × 0.5 % (tiers), 10000 × 1 % (flat)
    # P1: sales target 90000 × 10/30 = 30000 → 66.67 %; response 30/30 = 100 % → score 83.33;
    # 1000 × 10/30 × 83.33 % = 277.77
    # P2: sales target 30000 × 20/30 = 20000 → 50 %; score 50; 600 × 20/30 × 50 % = 200.00
    assert amounts(s, "performance") == ["277.77", "200.00"]
    assert [seg["score"] for seg in s["summary"]["segments"]] == ["83.33", "50.00"]
    assert s["kpi_score"] == Decimal("61.11")  # (10 × 83.33 + 20 × 50) / 30
    assert s["grade"] is None and s["total"] == Decimal("3677.77")
    assert [line["label_params"]["project"] for line in lines_of(s, "base")] == ["优品家居 · 售前", "美妆小铺 · 售前"]
    assert lines_of(s, "performance")[1]["explanation"]["inputs"][3]["value"] == "beauty v1"


def test_an_agents_own_scheme_wins_over_the_project_and_the_company_from_its_date(payfirm):
    f = payfirm
    own = schemes.create_scheme(f.db, f.manager, "senior", simple_scheme(base_amount=4500.0))
    schemes.assign(f.db, f.manager, own, date(2026, 9, 16), agent_id=f.a)
    s = statement_of(f, f.a)
    assert amounts(s, "base") == [
        "1500.00",
        "2250.00",
    ]  # 3000 × 15/30 (roster, company scheme), then 4500 × 15/30 (own scheme)


# --- deductions ---------------------------------------------------------------------------------------------------


def _complaint_against(f, agent_id: int, project_id: int, when: datetime) -> str:
    qa_user = user(f.db, f.admin, f"qa{when:%d%H%M}", "qa")
    complaint_id = complaints.log_complaint(
        f.db,
        qa_user,
        {
            "project_id": project_id,
            "channel": "chat",
            "buyer_id": "tb_1",
            "category": "service_attitude",
            "description": "态度差",
            "severity": "medium",
            "concerns_agent": True,
            "agent_id": agent_id,
        },
        now=when,
    )
    complaints.set_responsibility(f.db, f.manager, complaint_id, True, "客服态度问题", now=when + timedelta(hours=1))
    return complaints.get_complaint(f.db, f.admin, complaint_id)["number"]


def test_each_deduction_is_a_line_naming_its_cause(payfirm):
    f = payfirm
    number = _complaint_against(f, f.a, f.p1, datetime(2026, 9, 12, 10, 0))
    inspector = user(f.db, f.admin, "inspector", "qa")
    card = default_card(f.db)
    review = reviews.record_review(
        f.db,
        inspector,
        {"project_id": f.p1, "agent_id": f.a, "chat_buyer_id": "tb_9", "chat_date": "2026-09-15"},
        best(card, **{"与买家争吵或嘲讽买家": 0}),
        now=datetime(2026, 9, 16, 9, 0),
    )
    attendance.save_days(
        f.db,
        f.manager,
        f.a,
        [
            {"day": "2026-09-03", "status": "absent", "shift": "day"},
            {"day": "2026-09-04", "shift": "day", "check_in": "08:45"},  # after 08:30: late
            {"day": "2026-09-05", "status": "leave", "shift": "day"},  # leave costs 0 in this scheme: no line
        ],
    )
    s = run_and_read(f, f.a)
    deductions = lines_of(s, "deduction")
    assert [(d["label"], d["ref"], f"{d['amount']:.2f}") for d in deductions] == [
        ("salary.line.complaint", number, "-50.00"),
        ("salary.line.critical", f"QA#{review}", "-100.00"),
        ("salary.line.absence", "2026-09-03", "-100.00"),
        ("salary.line.late", "2026-09-04", "-20.00"),
    ]
    assert deductions[0]["label_params"] == {"number": number, "day": "2026-09-12"}
    critical_inputs = {i["label"]: i["value"] for i in deductions[1]["explanation"]["inputs"]}
    assert (
        critical_inputs["salary.in.chat_date"] == "2026-09-15" and "争吵" in critical_inputs["salary.in.failed_items"]
    )
    late_inputs = {i["label"]: i["value"] for i in deductions[3]["explanation"]["inputs"]}
    assert late_inputs["salary.in.check_in"] == "08:45" and late_inputs["salary.in.shift"] == "08:30–16:00"
    assert s["deduction"] == Decimal("-270.00")


def test_a_complaint_the_supervisor_cleared_costs_nothing(payfirm):
    f = payfirm
    qa_user = user(f.db, f.admin, "inspector", "qa")
    complaint_id = complaints.log_complaint(
        f.db,
        qa_user,
        {
            "project_id": f.p1,
            "channel": "chat",
            "buyer_id": "tb_1",
            "category": "service_attitude",
            "description": "态度差",
            "severity": "low",
            "concerns_agent": True,
            "agent_id": f.a,
        },
        now=datetime(2026, 9, 12, 10, 0),
    )
    complaints.set_responsibility(f.db, f.manager, complaint_id, False, "买家误会", now=datetime(2026, 9, 12, 12, 0))
    assert lines_of(statement_of(f, f.a), "deduction") == []


def test_deduction_cap_floor_and_cap_are_adjustment_lines_saying_why(payfirm):
    f = payfirm
    attendance.save_days(
        f.db, f.manager, f.a, [{"day": f"2026-09-0{d}", "status": "absent", "shift": "day"} for d in (1, 2, 3)]
    )
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(deduction_cap=150.0, total_floor=3500.0))
    s = statement_of(f, f.a)
    adjustments = lines_of(s, "adjustment")
    assert [(a["label"], f"{a['amount']:.2f}") for a in adjustments] == [
        ("salary.line.deduction_cap", "150.00"),  # 300 deducted, cap 150: 150 back
        ("salary.line.floor", "650.00"),  # 3000 − 150 = 2850 → floor 3500
    ]
    assert adjustments[0]["explanation"]["calc"] == "300.00 − 150.00 = 150.00"
    assert s["total"] == Decimal("3500.00")
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(total_cap=2000.0))
    s = statement_of(f, f.a)
    assert [(a["label"], f"{a['amount']:.2f}") for a in lines_of(s, "adjustment")] == [("salary.line.cap", "-700.00")]
    assert s["total"] == Decimal("2000.00")


# --- composite indices ----------------------------------------------------------------------------------------------


def test_composite_indices_follow_the_kpi_spec():
    data = schemes.default_scheme() | {"complaint_coefficient": 5.0, "absence_coefficient": 5.0}
    found = composite_indices(data, Decimal(80), Decimal(90), 1, 2, Decimal(1000), Decimal(999))
    assert found["service_quality_index"]["value"] == Decimal(80)  # (80 + 90) / 2 − 1 × 5
    assert found["training_index"]["value"] == Decimal(70)  # 80 − 2 × 5
    assert found["volume_index"]["value"] == Decimal(1)  # (1000 − 1) / 999
    assert composite_indices(data, None, Decimal(90), 0, 0, None, Decimal(1))["service_quality_index"]["value"] is None


def test_a_composite_index_as_a_scheme_input_uses_exams_reviews_and_complaints(payfirm):
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
    inspector = user(f.db, f.admin, "inspector", "qa")
    reviews.record_review(
        f.db,
        inspector,
        {"project_id": f.p1, "agent_id": f.a, "chat_buyer_id": "tb_9", "chat_date": "2026-09-15"},
        best(default_card(f.db)),
        now=datetime(2026, 9, 16, 9, 0),
    )  # 100 points
    schemes.save_version(
        f.db,
        f.manager,
        f.simple,
        simple_scheme(kpis=[{"kpi": "service_quality_index", "weight": 1.0, "target": 80.0, "scoring": "linear"}]),
    )
    s = statement_of(f, f.a)
    assert s["kpi_score"] == Decimal("100.00")  # (80 + 100) / 2 = 90 against 80: 112.5 points, bounded at 100
    assert s["summary"]["indices"]["service_quality_index"]["value"] == "90.0000"
    assert s["summary"]["indices"]["training_index"]["value"] == "80.0000"
