"""Reviews in the store: who may score, what each role sees, disputes, cases, calibration, sampling and the salary feeds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.kernel import audit, config, excel, uploads, weeks
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.qa import reviews
from tests.core.qa.test_qa_support import best, default_card, firm, review  # noqa: F401  (firm is a fixture)

YESTERDAY = config.today() - timedelta(days=1)


def test_a_recorded_review_is_scored_in_core_and_kept_in_history_and_audit(firm):
    card = default_card(firm.db)
    ratings = best(card, 服务态度=4, 推荐与关联销售=None)  # 4 of 5 → 75, weight 15; N/A: weight 10 left out
    review_id = review(firm, ratings, comment="语气可以更热情")
    stored = reviews.get_review(firm.db, firm.qa, review_id)
    expected = round((90 * 100 - 15 * 100 + 15 * 75) / 90, 2)  # the other weights (90 in all) score 100
    assert stored["score"] == expected == 95.83
    assert stored["status"] == "scored" and stored["inspector_name"] == "INSPECTOR"
    assert [h["event"] for h in stored["history"]] == ["scored"]
    assert audit.search(firm.db, firm.admin, entity="qa_review")[0]["action"] == "create"


def test_a_review_with_an_unrated_item_is_refused_by_name_and_nothing_is_saved(firm):
    card = default_card(firm.db)
    ratings = best(card)
    unrated = next(i for i in card.items if i.kind == "standard" and i.allow_na)
    del ratings[unrated.id]  # the inspector never touched it: not N/A, not full marks
    with pytest.raises(ValidationError) as caught:
        review(firm, ratings)
    assert [(e.field, e.key) for e in caught.value.errors] == [(unrated.name, "err.qa.unrated")]
    assert firm.db["qa_reviews"].count == 0
    task = reviews.create_task(
        firm.db, firm.admin, firm.project, firm.agent, "tb_task", YESTERDAY, None, "2026-01-01 00:00:00"
    )
    with pytest.raises(ValidationError):
        reviews.score_review(firm.db, firm.qa, task, ratings)
    assert reviews.get_review(firm.db, firm.qa, task)["status"] == "task"


def test_an_agent_cannot_score_anyone_not_even_through_core(firm):
    card = default_card(firm.db)
    for target in (firm.agent, firm.agent_b):
        with pytest.raises(PermissionDenied):
            review(firm, best(card), agent=target, who=firm.agent_user)
    assert firm.db["qa_reviews"].count == 0


def test_only_qa_inspectors_and_the_director_score(firm):
    card = default_card(firm.db)
    for actor in (firm.manager, firm.trainer, firm.merchant):
        with pytest.raises(PermissionDenied):
            review(firm, best(card), who=actor)
    assert review(firm, best(card), who=firm.admin)


def test_the_agent_must_have_been_on_the_team_and_the_chat_not_in_the_future(firm):
    card = default_card(firm.db)
    with pytest.raises(ValidationError) as caught:
        review(firm, best(card), day=config.today() + timedelta(days=1), chat_buyer_id=" ")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("qa.chat_buyer_id", "err.required"),
        ("qa.chat_date", "err.qa.date_future"),
    }
    with pytest.raises(ValidationError) as caught:
        review(firm, best(card), agent=firm.agent_c)  # 阿杰 is on the other project
    assert caught.value.errors[0].key == "err.qa.agent_not_on_team"
    with pytest.raises(ValidationError):
        review(firm, best(card), day=config.today() - timedelta(days=90))  # before the team started


def test_an_agent_sees_only_its_own_reviews(firm):
    card = default_card(firm.db)
    mine = review(firm, best(card), comment="好")
    other = review(firm, best(card), agent=firm.agent_b)
    assert [r["id"] for r in reviews.list_reviews(firm.db, firm.agent_user)] == [mine]
    assert reviews.get_review(firm.db, firm.agent_user, mine)["comment"] == "好"
    with pytest.raises(NotFound):
        reviews.get_review(firm.db, firm.agent_user, other)
    assert reviews.list_reviews(firm.db, firm.other_agent_user) == []


def test_a_merchant_reads_no_review_only_its_projects_summary_without_comments(firm):
    card = default_card(firm.db)
    review(firm, best(card), comment="内部评语-不外传", case_type="problem", transcript="聊天原文-不外传")
    with pytest.raises(PermissionDenied):
        reviews.list_reviews(firm.db, firm.merchant)
    summary = reviews.qa_summary(firm.db, firm.merchant, firm.project, YESTERDAY, config.today())
    assert summary["reviews"] == 1 and summary["mean_score"] == 100.0 and summary["problem_cases"] == 1
    assert summary["target"] == 90.0
    assert "内部评语" not in str(summary) and "聊天原文" not in str(summary) and "tb_buyer" not in str(summary)
    with pytest.raises(PermissionDenied):
        reviews.qa_summary(firm.db, firm.merchant, firm.other_project, YESTERDAY, config.today())
    with pytest.raises(PermissionDenied):
        reviews.qa_summary(firm.db, firm.agent_user, firm.project, YESTERDAY, config.today())


def test_a_dispute_partly_accepted_rescores_and_keeps_the_history_then_a_rejected_one_locks(firm):
    card = default_card(firm.db)
    review_id = review(firm, best(card, 响应速度=1, 话术使用=1))  # 0 on 15 and 0 on 10 → 75
    assert reviews.get_review(firm.db, firm.qa, review_id)["score"] == 75.0
    dispute_id = reviews.raise_dispute(firm.db, firm.agent_user, review_id, "系统卡顿")
    with pytest.raises(ValidationError) as caught:
        reviews.score_review(firm.db, firm.qa, review_id, best(card))
    assert caught.value.errors[0].key == "err.qa.review_disputed"
    with pytest.raises(PermissionDenied):
        reviews.resolve_dispute(firm.db, firm.qa, dispute_id, "accepted", "ok", best(card))
    reviews.resolve_dispute(firm.db, firm.manager, dispute_id, "partly_accepted", "响应慢属实", best(card, 响应速度=1))
    after = reviews.get_review(firm.db, firm.agent_user, review_id)
    assert after["score"] == 85.0 and after["status"] == "scored"
    assert [(h["event"], h["score"]) for h in after["history"]] == [
        ("scored", 75.0),
        ("disputed", 75.0),
        ("dispute_partly_accepted", 85.0),
    ]
    assert after["disputes"][0]["score_before"] == 75.0 and after["disputes"][0]["score_after"] == 85.0
    second = reviews.raise_dispute(firm.db, firm.agent_user, review_id, "响应也不慢")
    reviews.resolve_dispute(firm.db, firm.manager, second, "rejected", "记录显示首响超时")
    locked = reviews.get_review(firm.db, firm.qa, review_id)
    assert locked["status"] == "locked" and locked["score"] == 85.0
    with pytest.raises(ValidationError) as caught:
        reviews.raise_dispute(firm.db, firm.agent_user, review_id, "再申诉")
    assert caught.value.errors[0].key == "err.qa.review_locked"
    with pytest.raises(ValidationError):
        reviews.score_review(firm.db, firm.qa, review_id, best(card))
    with pytest.raises(ValidationError) as caught:
        reviews.resolve_dispute(firm.db, firm.manager, second, "accepted", "改判", best(card))
    assert caught.value.errors[0].key == "err.qa.dispute_closed"


def test_an_agent_disputes_only_its_own_reviews_with_a_reason(firm):
    card = default_card(firm.db)
    other = review(firm, best(card), agent=firm.agent_b)
    with pytest.raises(NotFound):
        reviews.raise_dispute(firm.db, firm.agent_user, other, "不服")
    mine = review(firm, best(card))
    with pytest.raises(ValidationError) as caught:
        reviews.raise_dispute(firm.db, firm.agent_user, mine, "  ")
    assert caught.value.errors[0].key == "err.required"
    with pytest.raises(PermissionDenied):
        reviews.raise_dispute(firm.db, firm.qa, mine, "代申诉")


def test_accepting_a_dispute_needs_the_new_ratings_and_a_comment(firm):
    card = default_card(firm.db)
    dispute_id = reviews.raise_dispute(firm.db, firm.agent_user, review(firm, best(card, 追单=1)), "买家已下单")
    with pytest.raises(ValidationError) as caught:
        reviews.resolve_dispute(firm.db, firm.manager, dispute_id, "accepted", "")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("qa.resolution_comment", "err.required"),
        ("qa.ratings", "err.required"),
    }


def test_dispute_counts_and_mean_resolution_time_per_inspector(firm):
    card = default_card(firm.db)
    t0 = datetime.combine(config.today() - timedelta(days=3), datetime.min.time()).replace(hour=9)
    first = review(firm, best(card), now=t0, day=config.today() - timedelta(days=4))
    second = review(firm, best(card), now=t0, day=config.today() - timedelta(days=4))
    third = review(firm, best(card), who=firm.qa2, now=t0, day=config.today() - timedelta(days=4))
    d1 = reviews.raise_dispute(firm.db, firm.agent_user, first, "a", now=t0 + timedelta(hours=1))
    d2 = reviews.raise_dispute(firm.db, firm.agent_user, second, "b", now=t0 + timedelta(hours=1))
    reviews.raise_dispute(firm.db, firm.agent_user, third, "c", now=t0 + timedelta(hours=1))
    reviews.resolve_dispute(firm.db, firm.manager, d1, "rejected", "维持", now=t0 + timedelta(hours=3))  # 2 h
    reviews.resolve_dispute(
        firm.db, firm.manager, d2, "accepted", "成立", best(card), now=t0 + timedelta(hours=5)
    )  # 4 h
    stats = {s["inspector_name"]: s for s in reviews.dispute_stats(firm.db, firm.manager)}
    assert stats["INSPECTOR"] | {} == {
        "inspector_id": firm.qa.id,
        "inspector_name": "INSPECTOR",
        "disputes": 2,
        "open": 0,
        "accepted": 1,
        "partly_accepted": 0,
        "rejected": 1,
        "mean_resolution_s": 3 * 3600,
    }
    assert stats["INSPECTOR2"]["open"] == 1 and stats["INSPECTOR2"]["mean_resolution_s"] is None


def test_tagged_cases_feed_the_library_and_a_trainer_records_the_discussion(firm):
    card = default_card(firm.db)
    problem = review(firm, best(card, 与买家争吵或嘲讽买家=0), case_type="problem")
    excellent = review(firm, best(card), agent=firm.agent_b)
    reviews.set_case(firm.db, firm.qa, excellent, "excellent", "主动回访")
    library = reviews.case_library(firm.db, firm.trainer, firm.project)
    assert {(c["id"], c["case_type"], c["case_status"]) for c in library} == {
        (problem, "problem", "to_discuss"),
        (excellent, "excellent", "to_discuss"),
    }
    with pytest.raises(ValidationError) as caught:
        reviews.mark_case(firm.db, firm.trainer, problem, "discussed")
    assert caught.value.errors[0].field == "qa.case_discussed_on"
    reviews.mark_case(firm.db, firm.trainer, problem, "discussed", YESTERDAY, "周一例会")
    assert (
        reviews.case_library(firm.db, firm.trainer, firm.project, status="discussed")[0]["case_discussed_on"]
        == YESTERDAY.isoformat()
    )
    untagged = review(firm, best(card))
    with pytest.raises(ValidationError):
        reviews.mark_case(firm.db, firm.trainer, untagged, "discussed", YESTERDAY)
    with pytest.raises(PermissionDenied):
        reviews.set_case(firm.db, firm.trainer, untagged, "problem")  # tagging is the inspector's call


def test_calibration_shows_how_far_apart_the_inspectors_are_per_item(firm):
    card = default_card(firm.db)
    calibration_id = reviews.create_calibration(
        firm.db,
        firm.manager,
        {"project_id": firm.project, "agent_id": firm.agent, "chat_buyer_id": "tb_c", "chat_date": YESTERDAY},
    )
    reviews.score_calibration(firm.db, firm.qa, calibration_id, best(card, 服务态度=5, 追单=3))
    reviews.score_calibration(firm.db, firm.qa2, calibration_id, best(card, 服务态度=3, 追单=3))
    reviews.score_calibration(
        firm.db, firm.qa2, calibration_id, best(card, 服务态度=3, 追单=1)
    )  # scoring again replaces
    spread = reviews.calibration_spread(firm.db, firm.manager, calibration_id)
    items = {i["name"]: i for i in spread["items"]}
    assert items["服务态度"]["scores"] == {"INSPECTOR": 100.0, "INSPECTOR2": 50.0}
    assert items["服务态度"]["spread"] == 50.0 and items["服务态度"]["stdev"] == 25.0
    assert items["追单"]["spread"] == 100.0 and items["响应速度"]["spread"] == 0.0
    assert len(spread["scorings"]) == 2
    # the two totals: 100, and 100 − 15 × 0.5 − 5 × 1 = 87.5
    assert spread["total"]["spread"] == 12.5
    assert reviews.list_reviews(firm.db, firm.qa) == []  # calibration scorings are not reviews of the agent
    assert reviews.agent_iqs(firm.db, firm.qa, firm.agent, YESTERDAY, YESTERDAY) is None


def test_sampling_proposes_the_online_agents_behind_the_weeks_pace(firm):
    card = default_card(firm.db)
    today = config.today()
    thursday = today - timedelta(days=(today.weekday() - 3) % 7 + 7)  # a Thursday at least a week ago
    monday = thursday - timedelta(days=3)
    review(firm, best(card), agent=firm.agent_b, day=monday, now=datetime.combine(thursday, datetime.min.time()))
    review(
        firm,
        best(card),
        agent=firm.agent_b,
        day=monday + timedelta(days=1),
        now=datetime.combine(thursday, datetime.min.time()),
    )
    review(
        firm,
        best(card),
        agent=firm.agent,
        day=monday - timedelta(days=1),
        now=datetime.combine(thursday, datetime.min.time()),
    )  # last week
    proposal = reviews.sampling_proposal(firm.db, firm.qa, firm.project, thursday)
    assert [(p["agent_name"], p["reviews_this_week"], p["pace"], p["remaining"], p["due"]) for p in proposal] == [
        ("小美", 0, 2, 2, True),
        ("老王", 2, 2, 0, False),
    ]  # pace by Thursday: ceil(2 × 4 / 7) = 2
    reviews.set_project_settings(firm.db, firm.manager, firm.project, 90, 4)
    assert reviews.sampling_proposal(firm.db, firm.qa, firm.project, monday)[0]["pace"] == 1  # ceil(4 × 1 / 7)


def test_iqs_is_the_mean_of_the_periods_scored_reviews_and_tasks_do_not_count(firm):
    card = default_card(firm.db)
    d1, d2 = config.today() - timedelta(days=10), config.today() - timedelta(days=3)
    review(firm, best(card), day=d1)  # 100
    review(firm, best(card, 服务态度=3), day=d2)  # 50 on weight 15 → 92.5
    review(firm, best(card, 拒不承认错误=0), day=d2)  # critical → 0
    reviews.create_task(firm.db, firm.qa, firm.project, firm.agent, "tb_t", d2, None, config.now_text())
    assert reviews.agent_iqs(firm.db, None, firm.agent, d1, d2) == round((100 + 92.5 + 0) / 3, 2)
    assert reviews.agent_iqs(firm.db, firm.agent_user, firm.agent, d2, d2) == 46.25
    assert reviews.agent_iqs(firm.db, firm.qa, firm.agent_b, d1, d2) is None
    failures = reviews.critical_failures(firm.db, None, firm.agent, d1, d2)
    assert [(f["chat_date"], f["score"], f["failed_items"]) for f in failures] == [
        (d2.isoformat(), 0.0, "拒不承认错误")
    ]
    with pytest.raises(PermissionDenied):
        reviews.agent_iqs(firm.db, firm.agent_user, firm.agent_b, d1, d2)  # an agent reads only itself
    with pytest.raises(PermissionDenied):
        reviews.critical_failures(firm.db, firm.merchant, firm.agent, d1, d2)


def test_an_accepted_dispute_that_clears_the_critical_item_removes_the_critical_failure(firm):
    card = default_card(firm.db)
    review_id = review(firm, best(card, 与买家争吵或嘲讽买家=0))
    dispute_id = reviews.raise_dispute(firm.db, firm.agent_user, review_id, "是买家先辱骂")
    reviews.resolve_dispute(firm.db, firm.manager, dispute_id, "accepted", "申诉成立", best(card))
    assert reviews.critical_failures(firm.db, None, firm.agent, YESTERDAY, YESTERDAY) == []
    assert reviews.agent_iqs(firm.db, None, firm.agent, YESTERDAY, YESTERDAY) == 100.0


def test_weekly_series_and_items_losing_most_points(firm):
    card = default_card(firm.db)
    day = config.today() - timedelta(days=2)
    review(firm, best(card, 产品解答准确=3), day=day)  # 50 % on weight 20: loses 10
    review(firm, best(card, 产品解答准确=1, 追单=None), day=day)  # 0 on 20 of 95: loses 21.05
    series = reviews.score_series(firm.db, firm.qa, firm.project, day, day)
    assert series == [
        {
            "week": weeks.week_start(day).isoformat(),
            "agent": None,
            "score": round((90 + round(75 / 95 * 100, 2)) / 2, 2),
            "reviews": 2,
        }
    ]
    lost = reviews.lost_points(firm.db, firm.merchant, firm.project, day, day)
    assert lost[0]["item"] == "产品解答准确" and lost[0]["lost"] == round((10 + 20 / 95 * 100) / 2, 2)
    assert all(r["lost"] == 0 for r in lost[1:])


def test_saving_a_scorecard_makes_a_new_version_and_old_reviews_keep_theirs(firm):
    card = default_card(firm.db)
    old_review = review(firm, best(card))
    items = [
        {"category": "礼仪", "name": "服务态度", "scale": "5", "kind": "standard", "weight": 1},
        {"category": "红线", "name": "争吵", "scale": "pass_fail", "kind": "standard", "weight": 0, "critical": True},
    ]
    new_id = reviews.save_scorecard(firm.db, firm.manager, firm.project, "项目评分表", items)
    assert reviews.effective_scorecard_id(firm.db, firm.project) == new_id
    assert reviews.effective_scorecard_id(firm.db, firm.other_project) == card.id  # others keep ours
    assert reviews.get_review(firm.db, firm.qa, old_review)["scorecard_id"] == card.id
    new_card = reviews.load_card(firm.db, new_id)
    assert (
        reviews.get_review(firm.db, firm.qa, review(firm, {new_card.items[0].id: 4, new_card.items[1].id: 1}))["score"]
        == 75.0
    )
    second = reviews.save_scorecard(firm.db, firm.qa, firm.project, "项目评分表", items)
    versions = reviews.list_scorecards(firm.db, firm.qa, firm.project, include_old=True)
    assert [(v["id"], v["version"], v["active"]) for v in versions if v["project_id"]] == [
        (second, 2, 1),
        (new_id, 1, 0),
    ]


def test_scorecard_items_are_validated_row_by_row(firm):
    with pytest.raises(ValidationError) as caught:
        reviews.save_scorecard(
            firm.db,
            firm.manager,
            firm.project,
            "",
            [
                {"category": "礼仪", "name": "态度", "scale": "7", "kind": "standard", "weight": -1},
                {"category": "", "name": "态度", "scale": "3", "kind": "bonus", "points": 0, "critical": True},
            ],
            critical_cap=120,
        )
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("row 1: qa.item_scale", "err.invalid_choice"),
        ("row 1: qa.item_weight", "err.non_negative"),
        ("row 2: qa.item_name", "err.duplicate_of_row"),
        ("row 2: qa.item_category", "err.required"),
        ("row 2: qa.item_points", "err.positive"),
        ("row 2: qa.item_critical", "err.qa.bonus_not_critical"),
        ("qa.scorecard_name", "err.required"),
        ("qa.critical_cap", "err.qa.points_range"),
    }
    with pytest.raises(ValidationError) as caught:
        reviews.save_scorecard(
            firm.db,
            firm.manager,
            firm.project,
            "x",
            [{"category": "加分", "name": "b", "scale": "3", "kind": "bonus", "points": 2}],
        )
    assert caught.value.errors[0].key == "err.qa.no_weighted_item"


def test_our_default_scorecard_is_changed_by_managers_only(firm):
    items = [{"category": "礼仪", "name": "服务态度", "scale": "5", "kind": "standard", "weight": 1}]
    with pytest.raises(PermissionDenied):
        reviews.save_scorecard(firm.db, firm.qa, None, "我方", items)
    new_default = reviews.save_scorecard(firm.db, firm.manager, None, "我方 v2", items)
    assert reviews.default_scorecard_id(firm.db) == new_default


def _confirm_with_merchant_standard(firm, data: bytes, filename: str) -> None:
    upload_id = uploads.store(firm.db, firm.admin, data, filename)
    form = {
        **oc.default_data("tmall"),
        "company_name": "优品",
        "contact_name": "张",
        "contact_phone": "138",
        "liaison": "张",
        "target_daily_inquiries": 1000,
        "target_first_response_s": 10,
        "target_avg_response_s": 25,
        "target_response_30s_rate": 0.85,
        "target_conversion_rate": 0.25,
        "target_aov": 100.0,
        "target_satisfaction": 0.95,
        "materials_submitted": True,
        "materials_complete": True,
        "golive_committed_date": config.today() + timedelta(days=10),
        "qa_standard": "merchant",
    }
    oc.confirm(firm.db, firm.manager, firm.project, form, upload_id)


def test_a_project_with_the_merchants_own_standard_scores_on_a_scorecard_built_from_it(firm):
    card = default_card(firm.db)
    table = excel.to_xlsx(
        {
            "s": __import__("pandas").DataFrame(
                [
                    {"类别": "礼仪", "评分项": "热情", "评分方式": "5分", "权重": 3, "红线": "", "可不适用": ""},
                    {
                        "类别": "专业",
                        "评分项": "准确",
                        "评分方式": "通过/不通过",
                        "权重": 1,
                        "红线": "",
                        "可不适用": "是",
                    },
                    {
                        "类别": "红线",
                        "评分项": "辱骂",
                        "评分方式": "pass_fail",
                        "权重": 0,
                        "红线": "是",
                        "可不适用": "",
                    },
                ]
            )
        }
    )
    _confirm_with_merchant_standard(firm, table, "商家质检标准.xlsx")
    with pytest.raises(ValidationError) as caught:
        review(firm, best(card))
    assert ("qa.scorecard", "err.qa.merchant_scorecard_missing") in {(e.field, e.key) for e in caught.value.errors}
    card_id, parsed = reviews.build_from_merchant_standard(firm.db, firm.qa, firm.project)
    built = reviews.load_card(firm.db, card_id)
    assert parsed and [(i.name, i.scale, i.weight, i.critical, i.allow_na) for i in built.items] == [
        ("热情", "5", 3.0, False, False),
        ("准确", "pass_fail", 1.0, False, True),
        ("辱骂", "pass_fail", 0.0, True, False),
    ]
    review_id = review(firm, {built.items[0].id: 4, built.items[1].id: None, built.items[2].id: 1})
    assert reviews.get_review(firm.db, firm.qa, review_id)["score"] == 75.0


def test_a_document_standard_starts_the_project_scorecard_from_a_copy_of_ours(firm):
    _confirm_with_merchant_standard(firm, b"%PDF-1.4 standard", "标准.pdf")
    card_id, parsed = reviews.build_from_merchant_standard(firm.db, firm.manager, firm.project)
    head = reviews.get_scorecard(firm.db, firm.qa, card_id)
    assert not parsed and head["source"] == "merchant" and head["upload_id"] is not None
    assert [i["name"] for i in head["items"]] == [i.name for i in default_card(firm.db).items]
    with pytest.raises(ValidationError):
        reviews.build_from_merchant_standard(firm.db, firm.manager, firm.other_project)  # that one uses ours


def test_the_scorecard_template_reads_back_as_the_same_items(firm):
    data = reviews.scorecard_xlsx(firm.db, firm.qa, reviews.default_scorecard_id(firm.db))
    items = reviews.parse_scorecard_table(data, "card.xlsx")
    card_id = reviews.save_scorecard(firm.db, firm.qa, firm.project, "副本", items)
    copy = reviews.load_card(firm.db, card_id)
    original = default_card(firm.db)
    strip = lambda c: [
        (i.category, i.name, i.scale, i.kind, i.weight, i.points, i.critical, i.allow_na) for i in c.items
    ]  # noqa: E731
    assert strip(copy) == strip(original)
    with pytest.raises(ValidationError) as caught:
        reviews.parse_scorecard_table(b"a,b\n1,2\n", "x.csv")
    assert caught.value.errors[0].key == "err.missing_columns"


def test_project_qa_settings_default_to_90_points_and_two_reviews_a_week(firm):
    assert reviews.project_settings(firm.db, firm.project) == {"target": 90.0, "reviews_per_week": 2}
    with pytest.raises(ValidationError) as caught:
        reviews.set_project_settings(firm.db, firm.manager, firm.project, 120, 0)
    assert {e.field for e in caught.value.errors} == {"qa.target", "qa.reviews_per_week"}
    with pytest.raises(PermissionDenied):
        reviews.set_project_settings(firm.db, firm.qa, firm.project, 85, 3)
    reviews.set_project_settings(firm.db, firm.manager, firm.project, 85, 3)
    assert reviews.project_settings(firm.db, firm.project) == {"target": 85.0, "reviews_per_week": 3}


def test_staff_lists_filter_by_agent_status_critical_and_search(firm):
    card = default_card(firm.db)
    a = review(firm, best(card), chat_buyer_id="tb_alpha")
    b = review(firm, best(card, 拒不承认错误=0), agent=firm.agent_b)
    assert [
        r["id"] for r in reviews.list_reviews(firm.db, firm.trainer, project_id=firm.project, critical_only=True)
    ] == [b]
    assert [r["id"] for r in reviews.list_reviews(firm.db, firm.manager, agent_id=firm.agent)] == [a]
    assert [r["id"] for r in reviews.list_reviews(firm.db, firm.qa, search="alpha")] == [a]
    assert merchants.get_project(firm.db, firm.qa, firm.project)  # staff see every project


def _log_chat(f, project: int, day, account: str, buyer: str, lines: list[tuple[str, str, str]]) -> None:
    """Raw chat messages as an import stores them (time of day, sender, content)."""
    for clock, sender, content in lines:
        f.db["chat_messages"].insert(
            {
                "project_id": project,
                "day": day.isoformat(),
                "time": f"{day.isoformat()} {clock}",
                "buyer": buyer,
                "agent": account,
                "sender": sender,
                "content": content,
            }
        )


def test_with_raw_logs_a_review_takes_one_of_the_agents_stored_chats_and_refuses_another_agents(firm):
    card = default_card(firm.db)
    _log_chat(
        firm,
        firm.project,
        YESTERDAY,
        "优品:小美",
        "tb_mei",
        [("10:00:00", "buyer", "在吗"), ("10:00:20", "agent", "在的亲")],
    )
    _log_chat(
        firm,
        firm.project,
        YESTERDAY,
        "优品:老王",
        "tb_wang",
        [("11:00:00", "buyer", "发货了吗"), ("11:00:05", "auto", "您好")],
    )
    assert reviews.has_raw_logs(firm.db, firm.project) and not reviews.has_raw_logs(firm.db, firm.other_project)
    assert [c["buyer"] for c in reviews.agent_chats(firm.db, firm.qa, firm.project, YESTERDAY, firm.agent)] == [
        "tb_mei"
    ]
    assert [
        (c["buyer"], c["account"], c["messages"])
        for c in reviews.agent_chats(firm.db, firm.qa, firm.project, YESTERDAY, firm.agent_b)
    ] == [("tb_wang", "优品:老王", 2)]
    # 老王's chat saved under 小美: refused, nothing saved; a buyer nobody chatted with: refused too
    for buyer in ("tb_wang", "tb_typed"):
        with pytest.raises(ValidationError) as caught:
            review(firm, best(card), agent=firm.agent, chat_buyer_id=buyer, transcript="pasted text")
        assert [(e.field, e.key) for e in caught.value.errors] == [("qa.chat_buyer_id", "err.qa.chat_not_of_agent")]
    assert firm.db["qa_reviews"].count == 0
    # under 老王 it is saved, with the stored chat as its transcript (not the pasted text)
    review_id = review(firm, best(card), agent=firm.agent_b, chat_buyer_id="tb_wang", transcript="pasted text")
    assert (
        reviews.get_review(firm.db, firm.qa, review_id)["transcript"]
        == "11:00:00 买家：发货了吗\n11:00:05 自动回复：您好"
    )


def test_without_raw_logs_the_buyer_is_typed_and_the_transcript_pasted(firm):
    card = default_card(firm.db)
    _log_chat(firm, firm.project, YESTERDAY, "优品:小美", "tb_mei", [("10:00:00", "buyer", "在吗")])
    review_id = review(
        firm,
        best(card),
        agent=firm.agent_c,
        project_id=firm.other_project,
        chat_buyer_id="pdd_typed",
        transcript="买家：在吗",
    )
    stored = reviews.get_review(firm.db, firm.qa, review_id)
    assert (stored["chat_buyer_id"], stored["transcript"]) == ("pdd_typed", "买家：在吗")
