"""Calibration: how far apart the inspectors are, per item."""

from __future__ import annotations

from datetime import timedelta

from core.kernel import config
from core.qa import analytics, calibration, reviews
from tests.core.qa.test_qa_support import (
    best,
    default_card,
    firm,  # noqa: F401  (a fixture)
)

YESTERDAY = config.today() - timedelta(days=1)


def test_calibration_shows_how_far_apart_the_inspectors_are_per_item(firm):
    card = default_card(firm.db)
    calibration_id = calibration.create_calibration(
        firm.db,
        firm.manager,
        {"project_id": firm.project, "agent_id": firm.agent, "chat_buyer_id": "tb_c", "chat_date": YESTERDAY},
    )
    calibration.score_calibration(firm.db, firm.qa, calibration_id, best(card, 服务态度=5, 追单=3))
    calibration.score_calibration(firm.db, firm.qa2, calibration_id, best(card, 服务态度=3, 追单=3))
    calibration.score_calibration(
        firm.db, firm.qa2, calibration_id, best(card, 服务态度=3, 追单=1)
    )  # scoring again replaces
    spread = calibration.calibration_spread(firm.db, firm.manager, calibration_id)
    items = {i["name"]: i for i in spread["items"]}
    assert items["服务态度"]["scores"] == {"INSPECTOR": 100.0, "INSPECTOR2": 50.0}
    assert items["服务态度"]["spread"] == 50.0 and items["服务态度"]["stdev"] == 25.0
    assert items["追单"]["spread"] == 100.0 and items["响应速度"]["spread"] == 0.0
    assert len(spread["scorings"]) == 2
    # the two totals: 100, and 100 − 15 × 0.5 − 5 × 1 = 87.5
    assert spread["total"]["spread"] == 12.5
    assert reviews.list_reviews(firm.db, firm.qa) == []  # calibration scorings are not reviews of the agent
    assert analytics.agent_iqs(firm.db, firm.qa, firm.agent, YESTERDAY, YESTERDAY) is None
