"""A project's QA settings: the target and the weekly sampling quota."""

from __future__ import annotations

import pytest

from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.qa import settings
from tests.core.qa.test_qa_support import firm  # noqa: F401  (a fixture)


def test_project_qa_settings_default_to_90_points_and_two_reviews_a_week(firm):
    assert settings.project_settings(firm.db, firm.project) == {"target": 90.0, "reviews_per_week": 2}
    with pytest.raises(ValidationError) as caught:
        settings.set_project_settings(firm.db, firm.manager, firm.project, 120, 0)
    assert {e.field for e in caught.value.errors} == {"qa.target", "qa.reviews_per_week"}
    with pytest.raises(PermissionDenied):
        settings.set_project_settings(firm.db, firm.qa, firm.project, 85, 3)
    settings.set_project_settings(firm.db, firm.manager, firm.project, 85, 3)
    assert settings.project_settings(firm.db, firm.project) == {"target": 85.0, "reviews_per_week": 3}
