"""The case library: tagged reviews and the trainer's record of their discussion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.kernel import config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.qa import cases
from tests.core.qa.test_qa_support import (
    best,
    default_card,
    firm,  # noqa: F401  (a fixture)
    review,
)

YESTERDAY = config.today() - timedelta(days=1)


def test_tagged_cases_feed_the_library_and_a_trainer_records_the_discussion(firm):
    card = default_card(firm.db)
    problem = review(firm, best(card, 与买家争吵或嘲讽买家=0), case_type="problem")
    excellent = review(firm, best(card), agent=firm.agent_b)
    cases.set_case(firm.db, firm.qa, excellent, "excellent", "主动回访")
    library = cases.case_library(firm.db, firm.trainer, firm.project)
    assert {(c["id"], c["case_type"], c["case_status"]) for c in library} == {
        (problem, "problem", "to_discuss"),
        (excellent, "excellent", "to_discuss"),
    }
    with pytest.raises(ValidationError) as caught:
        cases.mark_case(firm.db, firm.trainer, problem, "discussed")
    assert caught.value.errors[0].field == "qa.case_discussed_on"
    cases.mark_case(firm.db, firm.trainer, problem, "discussed", YESTERDAY, "周一例会")
    assert (
        cases.case_library(firm.db, firm.trainer, firm.project, status="discussed")[0]["case_discussed_on"]
        == YESTERDAY.isoformat()
    )
    untagged = review(firm, best(card))
    with pytest.raises(ValidationError):
        cases.mark_case(firm.db, firm.trainer, untagged, "discussed", YESTERDAY)
    with pytest.raises(PermissionDenied):
        cases.set_case(firm.db, firm.trainer, untagged, "problem")  # tagging is the inspector's call
