"""Every label the team & training pages build from a value (status, type, stage...) is in the catalogue."""

from __future__ import annotations

import re

from core.agents import directory
from core.kernel import i18n
from core.team import exams, funnel, materials, plans
from tests.conftest import ROOT


def test_every_value_label_exists_in_both_languages():
    keys = {f"team.agent_status.{s}" for s in directory.AGENT_STATUSES}
    keys |= {f"team.role.{r}" for r in directory.TEAM_ROLES} | {f"team.shift.{s}" for s in directory.SHIFTS}
    keys |= {f"team.stage.{s}" for s in funnel.STAGES}
    keys |= {f"team.exam_type.{x}" for x in exams.EXAM_TYPES}
    keys |= {f"team.category.{c}" for c in materials.CATEGORIES} | {
        f"team.review.{r}" for r in materials.REVIEW_STATUSES
    }
    keys |= {f"team.method.{m}" for m in plans.METHODS} | {f"team.content.{c}" for c in plans.CONTENT_ITEMS}
    keys |= {f"team.track.{x}" for x in plans.TRACKS}
    keys |= {f"team.stage_name.{s.key}" for stages in plans.TRACKS.values() for s in stages}
    keys |= {
        k.replace("err.team.not_ready_", "team.ready.") for k in i18n.CATALOGUE if k.startswith("err.team.not_ready_")
    }
    assert sorted(k for k in keys if k not in i18n.CATALOGUE) == []


def test_every_field_an_error_names_has_a_label():
    fields: set[str] = set()
    for name in (
        "agents/directory",
        "team/funnel",
        "team/materials",
        "team/exams",
        "team/plans",
        "kernel/uploads",
        "golive/gate",
    ):
        text = (ROOT / "core" / f"{name}.py").read_text()
        fields |= set(re.findall(r'(?:FieldError|single)\("(team\.[a-z_]+)"', text))
        fields |= {
            f"team.{k}"
            for k in ("name", "employee_no", "phone", "skills", "screen_ratio", "admit_ratio", "schedule_ratio")
        }
    assert sorted(f for f in fields if f"field.{f}" not in i18n.CATALOGUE) == []
