"""Scorecards: versions, item validation, who may change ours, the merchant's own standard and the template."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.kernel import config, excel, uploads
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import order_confirmation as oc
from core.qa import reviews, scorecards
from tests.core.qa.test_qa_support import (
    best,
    default_card,
    firm,  # noqa: F401  (a fixture)
    review,
)


def test_saving_a_scorecard_makes_a_new_version_and_old_reviews_keep_theirs(firm):
    card = default_card(firm.db)
    old_review = review(firm, best(card))
    items = [
        {"category": "礼仪", "name": "服务态度", "scale": "5", "kind": "standard", "weight": 1},
        {"category": "红线", "name": "争吵", "scale": "pass_fail", "kind": "standard", "weight": 0, "critical": True},
    ]
    new_id = scorecards.save_scorecard(firm.db, firm.manager, firm.project, "项目评分表", items)
    assert scorecards.effective_scorecard_id(firm.db, firm.project) == new_id
    assert scorecards.effective_scorecard_id(firm.db, firm.other_project) == card.id  # others keep ours
    assert reviews.get_review(firm.db, firm.qa, old_review)["scorecard_id"] == card.id
    new_card = scorecards.load_card(firm.db, new_id)
    assert (
        reviews.get_review(firm.db, firm.qa, review(firm, {new_card.items[0].id: 4, new_card.items[1].id: 1}))["score"]
        == 75.0
    )
    second = scorecards.save_scorecard(firm.db, firm.qa, firm.project, "项目评分表", items)
    versions = scorecards.list_scorecards(firm.db, firm.qa, firm.project, include_old=True)
    assert [(v["id"], v["version"], v["active"]) for v in versions if v["project_id"]] == [
        (second, 2, 1),
        (new_id, 1, 0),
    ]


def test_scorecard_items_are_validated_row_by_row(firm):
    with pytest.raises(ValidationError) as caught:
        scorecards.save_scorecard(
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
        scorecards.save_scorecard(
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
        scorecards.save_scorecard(firm.db, firm.qa, None, "我方", items)
    new_default = scorecards.save_scorecard(firm.db, firm.manager, None, "我方 v2", items)
    assert scorecards.default_scorecard_id(firm.db) == new_default


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
    card_id, parsed = scorecards.build_from_merchant_standard(firm.db, firm.qa, firm.project)
    built = scorecards.load_card(firm.db, card_id)
    assert parsed and [(i.name, i.scale, i.weight, i.critical, i.allow_na) for i in built.items] == [
        ("热情", "5", 3.0, False, False),
        ("准确", "pass_fail", 1.0, False, True),
        ("辱骂", "pass_fail", 0.0, True, False),
    ]
    review_id = review(firm, {built.items[0].id: 4, built.items[1].id: None, built.items[2].id: 1})
    assert reviews.get_review(firm.db, firm.qa, review_id)["score"] == 75.0


def test_a_document_standard_starts_the_project_scorecard_from_a_copy_of_ours(firm):
    _confirm_with_merchant_standard(firm, b"%PDF-1.4 standard", "标准.pdf")
    card_id, parsed = scorecards.build_from_merchant_standard(firm.db, firm.manager, firm.project)
    head = scorecards.get_scorecard(firm.db, firm.qa, card_id)
    assert not parsed and head["source"] == "merchant" and head["upload_id"] is not None
    assert [i["name"] for i in head["items"]] == [i.name for i in default_card(firm.db).items]
    with pytest.raises(ValidationError):
        scorecards.build_from_merchant_standard(firm.db, firm.manager, firm.other_project)  # that one uses ours


def test_the_scorecard_template_reads_back_as_the_same_items(firm):
    data = scorecards.scorecard_xlsx(firm.db, firm.qa, scorecards.default_scorecard_id(firm.db))
    items = scorecards.parse_scorecard_table(data, "card.xlsx")
    card_id = scorecards.save_scorecard(firm.db, firm.qa, firm.project, "副本", items)
    copy = scorecards.load_card(firm.db, card_id)
    original = default_card(firm.db)

    def strip(c):
        return [(i.category, i.name, i.scale, i.kind, i.weight, i.points, i.critical, i.allow_na) for i in c.items]

    assert strip(copy) == strip(original)
    with pytest.raises(ValidationError) as caught:
        scorecards.parse_scorecard_table(b"a,b\n1,2\n", "x.csv")
    assert caught.value.errors[0].key == "err.missing_columns"
