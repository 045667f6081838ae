"""The audit log in words: actions and entities translated, each changed field as label: before → after."""

from __future__ import annotations

import json
import re
from pathlib import Path

from core.agents import directory
from core.kernel import audit, i18n

CORE = Path(__file__).resolve().parents[3] / "core"


def row(action: str, entity: str, before, after) -> dict:
    return {
        "action": action,
        "entity": entity,
        "before": None if before is None else json.dumps(before, ensure_ascii=False),
        "after": None if after is None else json.dumps(after, ensure_ascii=False),
    }


def test_a_pay_run_reads_as_words_not_run_pay_run():
    words = audit.describe(row("run", "pay_run", None, {"agents": 27, "month": "2026-09", "total": "109980.69"}))
    assert (words["action"], words["entity"]) == ("核算", "月度工资核算")
    assert words["text"] == "核算人数：— → 27；月份：— → 2026-09；应发合计(元)：— → 109980.69"


def test_a_change_lists_each_changed_field_with_its_label_and_status_words_and_leaves_out_the_rest():
    words = audit.describe(
        row(
            "escalate",
            "complaint",
            {"status": "in_progress", "note": ""},
            {"status": "escalated", "assignee_id": 2, "note": "买家情绪激动", "updated_at": "2026-10-24 22:26:00"},
        )
    )
    assert words["changes"] == [
        {"field": "状态", "before": "处理中", "after": "已升级主管"},
        {"field": "备注", "before": "—", "after": "买家情绪激动"},
        {"field": "负责主管", "before": "—", "after": "2"},
    ]  # updated_at is bookkeeping, not shown
    assert (
        audit.describe(row("status", "agent", {"status": "candidate"}, {"status": "training", "note": ""}))["text"]
        == "状态：候选 → 培训中"
    )  # "" and nothing read the same: no change
    invoice = audit.describe(
        row("approve", "billing_invoice", {"status": "draft"}, {"status": "approved", "approved_by": 2})
    )
    assert invoice["text"] == "状态：草稿 → 已审核；审批人：— → 2"
    english = audit.describe(row("status", "agent", {"status": "candidate"}, {"status": "training"}), "en")
    assert (english["action"], english["entity"], english["changes"][0]["field"]) == (
        "Change status",
        "Agent",
        "Status",
    )


def test_a_field_without_a_label_keeps_its_name_and_long_values_are_shortened():
    words = audit.describe(
        row(
            "update", "agent", {"weird_field": 1, "skills": "售前"}, {"weird_field": 2, "skills": "售前," + "直播" * 50}
        )
    )
    assert words["changes"][0] == {"field": "weird_field", "before": "1", "after": "2"}
    assert words["changes"][1]["field"] == "技能/类目" and words["changes"][1]["after"].endswith("…")
    assert len(words["changes"][1]["after"]) == audit.MAX_VALUE
    assert audit.describe(row("update", "x", {"a": 1}, {"a": 1}))["text"] == "（无字段变化）"
    assert audit.describe(row("backup", "database", None, "backup-2026.db"))["changes"] == [
        {"field": "值", "before": "—", "after": "backup-2026.db"}
    ]


def test_every_action_and_entity_core_writes_has_words():
    written: set[tuple[str, str]] = set()
    for path in CORE.rglob("*.py"):
        written |= set(
            re.findall(r'audit\.record\([^,]+,\s*[^,]+,\s*"([a-z_]+)",\s*"([a-z_]+)"', path.read_text(encoding="utf-8"))
        )
    assert len(written) > 50
    missing = sorted(
        ({f"audit.action.{a}" for a, _ in written} | {f"audit.entity.{e}" for _, e in written}) - set(i18n.CATALOGUE)
    )
    assert missing == []


def test_a_real_row_of_the_store_reads_in_words(fresh_db, admin):
    agent_id = directory.create_agent(fresh_db, admin, {"name": "小美", "employee_no": "KF1"})
    directory.change_status(fresh_db, admin, agent_id, "training", "入职培训")
    latest = audit.search(fresh_db, admin, entity="agent")[0]
    words = audit.describe(latest)
    assert (words["action"], words["entity"]) == ("变更状态", "客服")
    assert words["changes"][0] == {"field": "状态", "before": "候选", "after": "培训中"}
