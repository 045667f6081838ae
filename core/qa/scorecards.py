"""Scorecards: our company standard and a project's own, saved as versions, and their Excel import and export.

A project whose confirmed order confirmation names the merchant's QA standard reviews on its own
scorecard, built from the merchant's uploaded table (or from ours, to be edited to the document).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel import audit, config, excel
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require, require_project
from core.qa.access import _project_clause
from core.qa.inputs import MAX_COMMENT, MAX_SCORE_SETTING, MAX_TEXT, _number
from core.qa.scoring import CRITICAL_MODES, ITEM_KINDS, SCALES, Card, Item


def load_card(db: sqlite_utils.Database, scorecard_id: int) -> Card:
    """A scorecard with its items, ready for `compute`."""
    head = one(db, "SELECT * FROM qa_scorecards WHERE id = ?", [scorecard_id])
    if head is None:
        raise NotFound(f"scorecard {scorecard_id}")
    items = tuple(
        Item(
            id=r["id"],
            category=r["category"],
            name=r["name"],
            scale=r["scale"],
            kind=r["kind"],
            weight=r["weight"],
            points=r["points"],
            critical=bool(r["critical"]),
            allow_na=bool(r["allow_na"]),
            position=r["position"],
            description=r["description"],
        )
        for r in db.query(
            "SELECT * FROM qa_scorecard_items WHERE scorecard_id = ? ORDER BY position, id", [scorecard_id]
        )
    )
    return Card(
        id=head["id"],
        name=head["name"],
        items=items,
        critical_mode=head["critical_mode"],
        critical_cap=head["critical_cap"],
        bonus_cap=head["bonus_cap"],
    )


def default_scorecard_id(db: sqlite_utils.Database) -> int:
    """The company's own active scorecard."""
    row = one(db, "SELECT id FROM qa_scorecards WHERE project_id IS NULL AND active = 1")
    if row is None:
        raise NotFound("default scorecard")
    return row["id"]


def merchant_standard(db: sqlite_utils.Database, project_id: int) -> dict:
    """What the confirmed order confirmation says about the QA standard: {'merchant': bool, 'upload_id': id|None}."""
    row = one(
        db,
        """SELECT json_extract(data, '$.qa_standard') AS standard, qa_standard_upload_id FROM order_confirmations
                     WHERE project_id = ? AND status = 'confirmed' ORDER BY version DESC LIMIT 1""",
        [project_id],
    )
    if row is None:
        return {"merchant": False, "upload_id": None}
    return {"merchant": row["standard"] == "merchant", "upload_id": row["qa_standard_upload_id"]}


def project_scorecard_id(db: sqlite_utils.Database, project_id: int) -> int | None:
    """The project's own active scorecard, if it has one."""
    row = one(db, "SELECT id FROM qa_scorecards WHERE project_id = ? AND active = 1", [project_id])
    return row["id"] if row else None


def effective_scorecard_id(db: sqlite_utils.Database, project_id: int) -> int:
    """The scorecard reviews of the project use: its own, else ours; refused while a merchant standard is not built."""
    own = project_scorecard_id(db, project_id)
    if own is not None:
        return own
    if merchant_standard(db, project_id)["merchant"]:
        raise ValidationError.single("qa.scorecard", "err.qa.merchant_scorecard_missing")
    return default_scorecard_id(db)


def list_scorecards(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None = None, include_old: bool = False
) -> list[dict]:
    """Scorecards with their project and item count: ours, and those of the projects the actor may see."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "s.project_id")
    where = [f"(s.project_id IS NULL OR {clause})"]
    if project_id is not None:
        where.append("(s.project_id IS NULL OR s.project_id = ?)")
        params.append(project_id)
    if not include_old:
        where.append("s.active = 1")
    return rows(
        db,
        f"""SELECT s.*, p.name AS project_name, u.display_name AS created_by_name,
                               (SELECT COUNT(*) FROM qa_scorecard_items i WHERE i.scorecard_id = s.id) AS items,
                               (SELECT original_name FROM uploads x WHERE x.id = s.upload_id) AS upload_name
                        FROM qa_scorecards s LEFT JOIN projects p ON p.id = s.project_id
                        LEFT JOIN users u ON u.id = s.created_by
                        WHERE {" AND ".join(where)} ORDER BY s.project_id IS NOT NULL, p.name, s.version DESC""",
        params,
    )


def get_scorecard(db: sqlite_utils.Database, actor: Actor, scorecard_id: int) -> dict:
    """A scorecard's head and items (staff; ours, or of a project the actor may see)."""
    require(actor, "qa.read")
    head = one(db, "SELECT * FROM qa_scorecards WHERE id = ?", [scorecard_id])
    if head is None:
        raise NotFound(f"scorecard {scorecard_id}")
    if head["project_id"] is not None:
        try:
            require_project(db, actor, head["project_id"], "qa.read")
        except PermissionDenied:
            raise NotFound(f"scorecard {scorecard_id}") from None
    items = rows(db, "SELECT * FROM qa_scorecard_items WHERE scorecard_id = ? ORDER BY position, id", [scorecard_id])
    return {**head, "items": items}


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "1.0", "true", "yes", "y", "是", "√", "✓")
    return bool(value) and not (isinstance(value, float) and math.isnan(value))


def _clean_items(items: list[dict]) -> tuple[list[dict], list[FieldError]]:
    errors: list[FieldError] = []
    clean: list[dict] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items, start=1):
        prefix = f"row {index}: "
        name = str(raw.get("name") or "").strip()
        category = str(raw.get("category") or "").strip()
        if not name and not category and not str(raw.get("scale") or "").strip():
            continue  # an empty row of the editor
        if not name:
            errors.append(FieldError(prefix + "qa.item_name", "err.required"))
        elif len(name) > MAX_TEXT:
            errors.append(FieldError(prefix + "qa.item_name", "err.too_long", {"n": MAX_TEXT}))
        elif name in seen:
            errors.append(FieldError(prefix + "qa.item_name", "err.duplicate_of_row", {"row": seen[name]}))
        seen.setdefault(name, index)
        if not category:
            errors.append(FieldError(prefix + "qa.item_category", "err.required"))
        elif len(category) > MAX_TEXT:
            errors.append(FieldError(prefix + "qa.item_category", "err.too_long", {"n": MAX_TEXT}))
        scale = str(raw.get("scale") or "").strip()
        if scale not in SCALES:
            errors.append(FieldError(prefix + "qa.item_scale", "err.invalid_choice"))
        kind = str(raw.get("kind") or "standard").strip()
        if kind not in ITEM_KINDS:
            errors.append(FieldError(prefix + "qa.item_kind", "err.invalid_choice"))
        weight, points = _number(raw.get("weight")), _number(raw.get("points"))
        if weight is None or weight < 0:
            errors.append(FieldError(prefix + "qa.item_weight", "err.non_negative"))
        if points is None or points < 0:
            errors.append(FieldError(prefix + "qa.item_points", "err.non_negative"))
        critical = _bool(raw.get("critical"))
        if kind == "bonus":
            if points is not None and points <= 0:
                errors.append(FieldError(prefix + "qa.item_points", "err.positive"))
            if critical:
                errors.append(FieldError(prefix + "qa.item_critical", "err.qa.bonus_not_critical"))
        description = str(raw.get("description") or "").strip()
        if len(description) > MAX_COMMENT:
            errors.append(FieldError(prefix + "qa.item_description", "err.too_long", {"n": MAX_COMMENT}))
        clean.append(
            {
                "position": len(clean) + 1,
                "category": category,
                "name": name,
                "scale": scale,
                "kind": kind,
                "weight": weight if kind == "standard" and weight is not None else 0.0,
                "points": points if kind == "bonus" and points is not None else 0.0,
                "critical": int(critical and kind == "standard"),
                "allow_na": int(_bool(raw.get("allow_na"))),
                "description": description,
            }
        )
    if not errors and not any(i["kind"] == "standard" and i["weight"] > 0 for i in clean):
        errors.append(FieldError("qa.items", "err.qa.no_weighted_item"))
    return clean, errors


def save_scorecard(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None,
    name: str,
    items: list[dict],
    critical_mode: str = "zero",
    critical_cap: float = 60.0,
    bonus_cap: float = 5.0,
    source: str = "ours",
    upload_id: int | None = None,
) -> int:
    """Save a scorecard as a new version (ours when project_id is None); the previous version stays for its reviews."""
    require(actor, "qa.scorecard_write")
    if project_id is None:
        require(actor, "qa.settings")  # our company-wide standard: managers and the director only
    else:
        require_project(db, actor, project_id, "qa.scorecard_write")
    clean, errors = _clean_items(items)
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("qa.scorecard_name", "err.required"))
    elif len(name) > MAX_TEXT:
        errors.append(FieldError("qa.scorecard_name", "err.too_long", {"n": MAX_TEXT}))
    if critical_mode not in CRITICAL_MODES:
        errors.append(FieldError("qa.critical_mode", "err.invalid_choice"))
    cap, bonus = _number(critical_cap), _number(bonus_cap)
    if cap is None or not 0 <= cap <= MAX_SCORE_SETTING:
        errors.append(FieldError("qa.critical_cap", "err.qa.points_range", {"max": int(MAX_SCORE_SETTING)}))
    if bonus is None or not 0 <= bonus <= MAX_SCORE_SETTING:
        errors.append(FieldError("qa.bonus_cap", "err.qa.points_range", {"max": int(MAX_SCORE_SETTING)}))
    if source not in ("ours", "merchant"):
        errors.append(FieldError("qa.source", "err.invalid_choice"))
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    with write(db):
        previous = one(
            db,
            "SELECT id, version FROM qa_scorecards WHERE COALESCE(project_id, 0) = ? AND active = 1",
            [project_id or 0],
        )
        latest = one(
            db, "SELECT MAX(version) AS v FROM qa_scorecards WHERE COALESCE(project_id, 0) = ?", [project_id or 0]
        )
        if previous:
            db.execute("UPDATE qa_scorecards SET active = 0 WHERE id = ?", [previous["id"]])
        record = {
            "name": name,
            "project_id": project_id,
            "source": source,
            "upload_id": upload_id,
            "version": (latest["v"] or 0) + 1,
            "active": 1,
            "critical_mode": critical_mode,
            "critical_cap": cap,
            "bonus_cap": bonus,
            "created_at": stamp,
            "created_by": actor.id,
        }
        scorecard_id = db["qa_scorecards"].insert(record).last_pk
        for item in clean:
            db["qa_scorecard_items"].insert({**item, "scorecard_id": scorecard_id})
        audit.record(
            db,
            actor,
            "create",
            "qa_scorecard",
            scorecard_id,
            {"replaces": previous["id"]} if previous else None,
            {**record, "items": clean},
        )
    return int(scorecard_id)


SCORECARD_HEADERS = {
    "category": ("类别", "分类", "category"),
    "name": ("评分项", "项目", "质检项", "item", "name"),
    "scale": ("评分方式", "分制", "scale"),
    "kind": ("类型", "kind", "type"),
    "weight": ("权重", "weight"),
    "points": ("加分", "加分分值", "bonus", "bonus points", "points"),
    "critical": ("红线", "致命项", "critical"),
    "allow_na": ("可不适用", "允许N/A", "n/a", "na", "allow n/a"),
    "description": ("说明", "评分标准", "description"),
}
SCALE_ALIASES = {
    "pass_fail": "pass_fail",
    "pass/fail": "pass_fail",
    "通过/不通过": "pass_fail",
    "是否": "pass_fail",
    "3": "3",
    "3分": "3",
    "4": "4",
    "4分": "4",
    "5": "5",
    "5分": "5",
}
KIND_ALIASES = {
    "": "standard",
    "standard": "standard",
    "标准": "standard",
    "扣分": "standard",
    "bonus": "bonus",
    "加分": "bonus",
}


def parse_scorecard_table(data: bytes, filename: str) -> list[dict]:
    """Read scorecard items from an .xlsx/.csv table (headers in Chinese or English); raises ValidationError."""
    try:
        frame = excel.read_table(data, filename)
    except ValueError as exc:
        reason = exc.args[0] if exc.args else ""
        keys = {"empty": "err.file_empty", "type": "err.file_type_table", "encoding": "err.file_encoding"}
        raise ValidationError.single("file", keys.get(reason, "err.file_unreadable")) from None
    lookup = {alias.lower(): key for key, aliases in SCORECARD_HEADERS.items() for alias in aliases}
    mapping = {c: lookup.get(str(c).strip().lower()) for c in frame.columns}
    missing = [
        SCORECARD_HEADERS[k][0] + "/" + SCORECARD_HEADERS[k][-1]
        for k in ("category", "name", "scale")
        if k not in mapping.values()
    ]
    if missing:
        raise ValidationError.single("file", "err.missing_columns", columns=", ".join(missing))
    twice = [c for c in frame.columns if mapping[c] and list(mapping.values()).count(mapping[c]) > 1]
    if twice:  # two columns for one field: which one is meant cannot be told
        raise ValidationError.single("file", "err.duplicate_columns", columns="、".join(twice))
    frame = frame.rename(columns={c: m for c, m in mapping.items() if m})
    items = []
    for record in frame.to_dict("records"):
        raw = {k: record.get(k, "") for k in SCORECARD_HEADERS}
        raw["scale"] = SCALE_ALIASES.get(str(raw["scale"]).strip().lower(), str(raw["scale"]).strip())
        raw["kind"] = KIND_ALIASES.get(str(raw["kind"]).strip().lower(), str(raw["kind"]).strip())
        items.append(raw)
    return items


def scorecard_xlsx(db: sqlite_utils.Database, actor: Actor, scorecard_id: int) -> bytes:
    """A scorecard as an Excel table that `parse_scorecard_table` reads back (the template for a merchant's
    standard)."""
    card = get_scorecard(db, actor, scorecard_id)
    frame = pd.DataFrame(
        [
            {
                "类别": i["category"],
                "评分项": i["name"],
                "评分方式": i["scale"],
                "类型": i["kind"],
                "权重": i["weight"],
                "加分": i["points"],
                "红线": "是" if i["critical"] else "",
                "可不适用": "是" if i["allow_na"] else "",
                "说明": i["description"],
            }
            for i in card["items"]
        ]
    )
    return excel.to_xlsx({"scorecard": frame})


def build_from_merchant_standard(db: sqlite_utils.Database, actor: Actor, project_id: int) -> tuple[int, bool]:
    """Give a project whose order confirmation names the merchant's QA standard its own scorecard.

    When the uploaded standard is a table (.xlsx/.csv with category, item and scale columns) its
    items are taken as they are; otherwise (a PDF or Word document) our items are copied as the
    starting point for the inspector to edit to the document. Returns (scorecard id, parsed?).
    """
    require_project(db, actor, project_id, "qa.scorecard_write")
    standard = merchant_standard(db, project_id)
    if not standard["merchant"]:
        raise ValidationError.single("qa.scorecard", "err.qa.no_merchant_standard")
    items, parsed = None, False
    upload_name = ""
    if standard["upload_id"]:
        from core.kernel import uploads  # late import: only this path reads files

        row, content = uploads.read_bytes(db, standard["upload_id"])
        upload_name = row["original_name"]
        if upload_name.lower().endswith((".xlsx", ".csv")):
            items, parsed = parse_scorecard_table(content, upload_name), True
    if items is None:
        items = [dict(i) for i in get_scorecard(db, actor, default_scorecard_id(db))["items"]]
    project = one(db, "SELECT name FROM projects WHERE id = ?", [project_id])
    card_id = save_scorecard(
        db,
        actor,
        project_id,
        f"{project['name']} · 商家质检标准",
        items,
        source="merchant",
        upload_id=standard["upload_id"],
    )
    return card_id, parsed
