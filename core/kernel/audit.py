"""The audit trail: who changed which business record, when, from what to what."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from core.kernel import config
from core.kernel.db import rows
from core.kernel.permissions import Actor, require


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    db: sqlite_utils.Database,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: Any = "",
    before: Any = None,
    after: Any = None,
) -> None:
    """Write one audit row; call it inside the same `write()` transaction as the change."""
    db["audit_log"].insert(
        {
            "at": config.now_text(),
            "user_id": actor.id if actor else None,
            "username": actor.username if actor else "system",
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": _dump(before),
            "after": _dump(after),
        }
    )


def search(
    db: sqlite_utils.Database,
    actor: Actor,
    username: str | None = None,
    entity: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 1000,
) -> list[dict]:
    """Audit rows, newest first, filtered by user, entity and an inclusive date range."""
    require(actor, "audit.read")
    where, params = ["1=1"], []
    if username:
        where.append("username = ?")
        params.append(username)
    if entity:
        where.append("entity = ?")
        params.append(entity)
    if date_from:
        where.append("at >= ?")
        params.append(f"{date_from} 00:00:00")
    if date_to:
        where.append("at <= ?")
        params.append(f"{date_to} 23:59:59")
    sql = f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
    return rows(db, sql, (*params, limit))


def entities(db: sqlite_utils.Database) -> list[str]:
    """The entity names present in the log, for the filter."""
    return [r["entity"] for r in db.query("SELECT DISTINCT entity FROM audit_log ORDER BY entity")]


# --- the log in words -------------------------------------------------------------------------------------

HIDDEN_FIELDS = ("updated_at",)  # bookkeeping stamped on every write, not a change anyone made
MAX_VALUE = 60  # characters of one value in the sentence; the JSON behind the toggle has it whole
# entity -> the catalogue namespaces of its field labels (field.<namespace>.<name>), after field.<entity>.<name>
FIELD_NAMESPACES: dict[str, tuple[str, ...]] = {
    "agent": ("team",),
    "agent_alias": ("team",),
    "agent_track": ("team",),
    "exam": ("team",),
    "exam_pass_mark": ("team",),
    "project_agent": ("team",),
    "project_candidate": ("team",),
    "required_exams": ("team",),
    "team_settings": ("team",),
    "training_material": ("team",),
    "training_plan": ("team",),
    "training_session": ("team",),
    "qa_review": ("qa",),
    "qa_review_task": ("qa",),
    "qa_dispute": ("qa",),
    "qa_calibration": ("qa",),
    "qa_scorecard": ("qa",),
    "qa_project_settings": ("qa",),
    "complaint": ("complaint", "qa"),
    "reissue": ("aftersales",),
    "cashback": ("aftersales",),
    "aftersales_case": ("aftersales",),
    "pay_run": ("salary",),
    "salary_scheme": ("salary",),
    "salary_scheme_assignment": ("salary",),
    "attendance": ("salary",),
    "order_confirmation": ("oc",),
    "faq_item": ("faq",),
}
# entity -> catalogue prefix of its status values
STATUS_VALUES: dict[str, str] = {
    "project": "status.",
    "agent": "team.agent_status.",
    "complaint": "complaint.status.",
    "qa_review": "qa.status.",
    "qa_dispute": "qa.dispute.",
    "billing_invoice": "billing.status.",
    "billing_quote": "billing.quote_status.",
}


def field_label(entity: str, name: str, lang: str = "zh") -> str:
    """A field's label from the catalogue where it has one (field.<entity>.<name>, its capability's, the
    general one), else its name."""
    from core.kernel import i18n  # the catalogue is text, loaded only when the log is read in words

    bare = name.removesuffix("_id")
    namespaces = (entity, *FIELD_NAMESPACES.get(entity, (entity.split("_")[0],)))
    for candidate in (name, bare):
        for key in (*(f"field.{ns}.{candidate}" for ns in namespaces), f"field.{candidate}"):
            if key in i18n.CATALOGUE:
                return i18n.t(key, lang)
    return name


def value_text(entity: str, name: str, value: Any, lang: str = "zh") -> str:
    """One value as a person reads it: — for nothing, 是/否, a status in words, long text shortened."""
    from core.kernel import i18n

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return i18n.t("yes" if value else "no", lang)
    if name == "status" and entity in STATUS_VALUES and f"{STATUS_VALUES[entity]}{value}" in i18n.CATALOGUE:
        return i18n.t(f"{STATUS_VALUES[entity]}{value}", lang)
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _load(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def field_changes(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field that differs; a value that is not a record is one change of field ""."""
    if before is None and after is None:
        return []
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        names = [*old, *(k for k in new if k not in old)]
        return [(k, old.get(k), new.get(k)) for k in names if k not in HIDDEN_FIELDS and old.get(k) != new.get(k)]
    return [] if before == after else [("", before, after)]


def _word(key: str, code: str, lang: str) -> str:
    from core.kernel import i18n

    return i18n.t(key, lang) if key in i18n.CATALOGUE else code


def action_label(action: str, lang: str = "zh") -> str:
    """An action in words (audit.action.<action>), or its code where the catalogue has none."""
    return _word(f"audit.action.{action}", action, lang)


def entity_label(entity: str, lang: str = "zh") -> str:
    """An entity in words (audit.entity.<entity>), or its code where the catalogue has none."""
    return _word(f"audit.entity.{entity}", entity, lang)


def describe(row: dict, lang: str = "zh") -> dict[str, Any]:
    """An audit row in words: the action and entity translated, the changed fields as label: before → after.

    Returns action, entity, changes (a list of {field, before, after} texts) and text (the changes in one line).
    """
    from core.kernel import i18n

    entity = row["entity"]
    changes = [
        {
            "field": field_label(entity, name, lang) if name else i18n.t("audit.value", lang),
            "before": value_text(entity, name, old, lang),
            "after": value_text(entity, name, new, lang),
        }
        for name, old, new in field_changes(_load(row.get("before")), _load(row.get("after")))
    ]
    changes = [c for c in changes if c["before"] != c["after"]]  # None and "" read the same: no change to show
    text = "；".join(f"{c['field']}：{c['before']} → {c['after']}" for c in changes) or i18n.t("audit.no_change", lang)
    return {
        "action": action_label(row["action"], lang),
        "entity": entity_label(entity, lang),
        "changes": changes,
        "text": text,
    }
