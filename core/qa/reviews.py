"""Quality inspection (质检): scorecards, reviews, disputes, the case library, calibration and the QA numbers.

Scoring follows the established QA tools (Zendesk QA / Klaus, MaestroQA, Playvox):

- each item has a rating scale: pass/fail (0 = fail, 1 = pass) or 3, 4 or 5 points (1..n);
- an item's score is (rating − scale minimum) / (scale maximum − scale minimum) × 100;
- the review's base score is the weight-averaged score of its standard items, N/A items left out
  (the remaining weights are re-normalised);
- a critical item scoring below 50 % sets the review to 0, or caps it at the scorecard's
  `critical_cap` when the scorecard's `critical_mode` is "cap";
- bonus items add up to their `points` each (in proportion to their item score), the sum capped
  at the scorecard's `bonus_cap`: a review can score above 100.

Scores are points on that 0–100(+bonus) scale, not fractions. An agent's quality score (IQS) for
a period is the mean score of its reviews whose chat falls in the period; tasks not yet scored
and calibration scorings are not reviews of the agent and never count.

The project's QA target is a per-project setting (`qa_project_settings.target`, default 90
points). We do not reuse the order confirmation's satisfaction target: that is the buyers' rating
of the shop (a rate), a different measure from the inspectors' score.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel import audit, config, excel, i18n, weeks
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require, require_project, visible_project_ids
from core.kpi import store

SCALES: dict[str, tuple[int, int]] = {"pass_fail": (0, 1), "3": (1, 3), "4": (1, 4), "5": (1, 5)}
ITEM_KINDS = ("standard", "bonus")
CRITICAL_MODES = ("zero", "cap")
CRITICAL_THRESHOLD = 50.0  # a critical item scoring below this (percent) fails the review
CASE_TYPES = ("problem", "excellent")
CASE_STATUSES = ("to_discuss", "discussed")
REVIEW_STATUSES = ("task", "scored", "disputed", "locked")
DISPUTE_STATUSES = ("open", "accepted", "partly_accepted", "rejected")
DISPUTE_OUTCOMES = ("accepted", "partly_accepted", "rejected")
DEFAULT_TARGET = 90.0
DEFAULT_REVIEWS_PER_WEEK = 2
MAX_TEXT = 200
MAX_COMMENT = 2000
MAX_TRANSCRIPT = 20000
MAX_SCORE_SETTING = 100.0
MAX_REVIEWS_PER_WEEK = 50


# --- scoring (pure) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One scorecard item as scoring needs it."""

    id: int
    category: str
    name: str
    scale: str
    kind: str = "standard"
    weight: float = 1.0
    points: float = 0.0
    critical: bool = False
    allow_na: bool = False
    position: int = 0
    description: str = ""


@dataclass(frozen=True)
class Card:
    """A scorecard: its items and the rules for critical and bonus items."""

    id: int
    name: str
    items: tuple[Item, ...]
    critical_mode: str = "zero"
    critical_cap: float = 60.0
    bonus_cap: float = 5.0


@dataclass(frozen=True)
class Result:
    """A computed review: base, bonus, final score, the failed critical items and every item's score."""

    base: float
    bonus: float
    score: float
    critical_failed: tuple[int, ...]
    item_scores: dict[int, float | None]


def item_score(scale: str, rating: int) -> float:
    """(rating − min) / (max − min) × 100 on the item's scale."""
    low, high = SCALES[scale]
    return (rating - low) / (high - low) * 100


def rating_errors(card: Card, ratings: dict[int, int | None]) -> list[FieldError]:
    """Every problem with a set of ratings: an unrated item, N/A where not allowed, a rating off the scale.

    `ratings` holds the items the inspector rated: None is N/A (or no bonus); a standard item absent
    from it is unrated and refused by name, even where N/A is allowed (N/A is a choice, not a default).
    A bonus item absent is no bonus.
    """
    errors: list[FieldError] = []
    for item in card.items:
        present = item.id in ratings
        rating = ratings.get(item.id)
        if not present and item.kind != "bonus":
            # an item left unrated is refused, N/A or not: only a rating the inspector chose is recorded
            errors.append(FieldError(item.name, "err.qa.unrated"))
            continue
        if rating is None:
            if item.kind == "bonus" or item.allow_na:
                continue
            errors.append(FieldError(item.name, "err.qa.na_not_allowed"))
            continue
        low, high = SCALES[item.scale]
        if isinstance(rating, bool) or not isinstance(rating, int) or not low <= rating <= high:
            errors.append(FieldError(item.name, "err.qa.rating_range", {"min": low, "max": high}))
    unknown = set(ratings) - {i.id for i in card.items}
    if unknown:
        errors.append(FieldError("qa.ratings", "err.invalid_choice"))
    if not errors:
        weighted = [i for i in card.items if i.kind == "standard" and ratings.get(i.id) is not None and i.weight > 0]
        if not weighted:
            errors.append(FieldError("qa.ratings", "err.qa.all_na"))
    return errors


def compute(card: Card, ratings: dict[int, int | None]) -> Result:
    """The review's score from item ratings (None = N/A); raises ValidationError on bad ratings."""
    errors = rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    scores: dict[int, float | None] = {}
    weighted_sum = weight_total = bonus = 0.0
    failed: list[int] = []
    for item in card.items:
        rating = ratings.get(item.id)
        if rating is None:
            scores[item.id] = None
            continue
        value = item_score(item.scale, rating)
        scores[item.id] = value
        if item.kind == "bonus":
            bonus += item.points * value / 100
            continue
        weighted_sum += item.weight * value
        weight_total += item.weight
        if item.critical and value < CRITICAL_THRESHOLD:
            failed.append(item.id)
    base = weighted_sum / weight_total
    bonus = min(bonus, card.bonus_cap)
    score = base + bonus
    if failed:
        score = 0.0 if card.critical_mode == "zero" else min(score, card.critical_cap)
    return Result(round(base, 2), round(bonus, 2), round(score, 2), tuple(failed), scores)


def lost_points_of(card: Card, item_scores: dict[int, float | None], score: float | None = None) -> dict[int, float]:
    """Points each standard item cost the review: its weight share × (100 − its score).

    A failed critical item also carries what the critical rule took off (base − final score, split
    between the failed critical items), so the losses add up to 100 − min(base, final score): the
    chart of the items that lose most points adds these up.
    """
    scored = [i for i in card.items if i.kind == "standard" and item_scores.get(i.id) is not None]
    total = sum(i.weight for i in scored)
    if total <= 0:
        return {}
    lost = {i.id: i.weight / total * (100 - float(item_scores[i.id])) for i in scored}
    failed = [i.id for i in scored if i.critical and float(item_scores[i.id]) < CRITICAL_THRESHOLD]
    if failed and score is not None:
        base = sum(i.weight * float(item_scores[i.id]) for i in scored) / total
        penalty = max(0.0, base - score)
        for item_id in failed:
            lost[item_id] += penalty / len(failed)
    return lost


# --- helpers ---------------------------------------------------------------------------------------


def _stamp(now: datetime | None) -> str:
    return (now or config.now()).strftime("%Y-%m-%d %H:%M:%S")


def _today(now: datetime | None) -> date:
    return (now or config.now()).date()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value))


def _text_errors(data: dict[str, Any], fields: dict[str, tuple[str, int, bool]]) -> list[FieldError]:
    """fields: data key -> (error field name, max length, required)."""
    errors: list[FieldError] = []
    for key, (field, limit, required) in fields.items():
        value = data.get(key)
        text = "" if value is None else str(value).strip()
        if required and not text:
            errors.append(FieldError(field, "err.required"))
        elif len(text) > limit:
            errors.append(FieldError(field, "err.too_long", {"n": limit}))
    return errors


def own_agent_id(db: sqlite_utils.Database, actor: Actor) -> int | None:
    """The roster id of an agent user (None for anyone else, or an agent login not on the roster)."""
    if actor.role != "agent":
        return None
    row = one(db, "SELECT id FROM agents WHERE user_id = ?", [actor.id])
    return row["id"] if row else None


def _project_clause(db: sqlite_utils.Database, actor: Actor, column: str) -> tuple[str, list]:
    visible = visible_project_ids(db, actor)
    if visible is None:
        return "1=1", []
    if not visible:
        return "0=1", []
    return f"{column} IN ({','.join('?' * len(visible))})", sorted(visible)


def _check_agent_access(db: sqlite_utils.Database, actor: Actor | None, agent_id: int) -> None:
    """System jobs (actor None) and QA staff read any agent; an agent reads only itself."""
    if actor is None:
        return
    if actor.role == "agent":
        if own_agent_id(db, actor) != agent_id:
            raise PermissionDenied(f"qa.own:{agent_id}")
        return
    require(actor, "qa.read")


def projects_for(db: sqlite_utils.Database, actor: Actor, action: str) -> list[dict]:
    """The projects the actor may see for an action (agents: the projects whose team they are on), for pickers."""
    require(actor, action)
    clause, params = _project_clause(db, actor, "p.id")
    return rows(
        db,
        f"""SELECT p.id, p.name, p.platform, p.status, p.merchant_id, m.name AS merchant_name
                        FROM projects p JOIN merchants m ON m.id = p.merchant_id WHERE {clause} ORDER BY m.name, p.name""",
        params,
    )


def on_team(db: sqlite_utils.Database, project_id: int, agent_id: int, day: date) -> bool:
    """True when the agent was on the project's team (online or reserve) on that day."""
    return (
        one(
            db,
            """SELECT 1 AS x FROM project_agents WHERE project_id = ? AND agent_id = ? AND from_date <= ?
                      AND (to_date IS NULL OR to_date >= ?)""",
            [project_id, agent_id, day.isoformat(), day.isoformat()],
        )
        is not None
    )


def team_agents(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date | None = None, online_only: bool = False
) -> list[dict]:
    """The agents on a project's team on a day (any day when `day` is None), for pickers."""
    require_project(db, actor, project_id)
    where, params = ["pa.project_id = ?"], [project_id]
    if day is not None:
        where.append("pa.from_date <= ? AND (pa.to_date IS NULL OR pa.to_date >= ?)")
        params += [day.isoformat(), day.isoformat()]
    if online_only:
        where.append("pa.role = 'online' AND a.status != 'left'")
    return rows(
        db,
        f"""SELECT a.id, a.name, a.employee_no, MAX(pa.sub_account) AS sub_account,
                               MAX(CASE WHEN pa.role = 'online' THEN 1 ELSE 0 END) AS online
                        FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                        WHERE {" AND ".join(where)} GROUP BY a.id ORDER BY a.name""",
        params,
    )


# --- scorecards ------------------------------------------------------------------------------------


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


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


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
    """A scorecard as an Excel table that `parse_scorecard_table` reads back (the template for a merchant's standard)."""
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


# --- settings --------------------------------------------------------------------------------------


def project_settings(db: sqlite_utils.Database, project_id: int) -> dict[str, Any]:
    """The project's QA target (points) and reviews per online agent per week (defaults until set)."""
    row = one(db, "SELECT target, reviews_per_week FROM qa_project_settings WHERE project_id = ?", [project_id])
    if row is None:
        return {"target": DEFAULT_TARGET, "reviews_per_week": DEFAULT_REVIEWS_PER_WEEK}
    return {"target": row["target"], "reviews_per_week": row["reviews_per_week"]}


def set_project_settings(
    db: sqlite_utils.Database, actor: Actor, project_id: int, target: float, reviews_per_week: int
) -> None:
    """Set a project's QA target and weekly sampling quota."""
    require_project(db, actor, project_id, "qa.settings")
    errors: list[FieldError] = []
    value = _number(target)
    if value is None or not 0 < value <= MAX_SCORE_SETTING:
        errors.append(FieldError("qa.target", "err.qa.points_range", {"max": int(MAX_SCORE_SETTING)}))
    if (
        isinstance(reviews_per_week, bool)
        or not isinstance(reviews_per_week, int)
        or not 1 <= reviews_per_week <= MAX_REVIEWS_PER_WEEK
    ):
        errors.append(FieldError("qa.reviews_per_week", "err.qa.count_range", {"max": MAX_REVIEWS_PER_WEEK}))
    if errors:
        raise ValidationError(errors)
    before = project_settings(db, project_id)
    record = {
        "project_id": project_id,
        "target": round(value, 2),
        "reviews_per_week": reviews_per_week,
        "updated_at": config.now_text(),
        "updated_by": actor.id,
    }
    with write(db):
        db["qa_project_settings"].insert(record, replace=True)
        audit.record(db, actor, "update", "qa_project_settings", project_id, before, record)


# --- reviews ---------------------------------------------------------------------------------------


def _chat_errors(db: sqlite_utils.Database, data: dict[str, Any], today: date) -> tuple[date | None, list[FieldError]]:
    errors = _text_errors(
        data,
        {
            "chat_buyer_id": ("qa.chat_buyer_id", MAX_TEXT, True),
            "transcript": ("qa.transcript", MAX_TRANSCRIPT, False),
            "comment": ("qa.comment", MAX_COMMENT, False),
        },
    )
    try:
        chat_date = _as_date(data.get("chat_date"))
    except ValueError:
        chat_date = None
        errors.append(FieldError("qa.chat_date", "err.invalid_value"))
    else:
        if chat_date is None:
            errors.append(FieldError("qa.chat_date", "err.required"))
        elif chat_date > today:
            errors.append(FieldError("qa.chat_date", "err.qa.date_future"))
    return chat_date, errors


def _agent_errors(
    db: sqlite_utils.Database, actor: Actor, project_id: int, agent_id: Any, chat_date: date | None
) -> list[FieldError]:
    agent = one(db, "SELECT id, user_id FROM agents WHERE id = ?", [agent_id]) if isinstance(agent_id, int) else None
    if agent is None:
        return [FieldError("qa.agent", "err.invalid_choice")]
    if agent["user_id"] is not None and agent["user_id"] == actor.id:
        return [FieldError("qa.agent", "err.qa.self_review")]
    if chat_date is not None and not on_team(db, project_id, agent_id, chat_date):
        return [FieldError("qa.agent", "err.qa.agent_not_on_team")]
    return []


# --- the chat under review, from the project's raw logs ---------------------------------------


def has_raw_logs(db: sqlite_utils.Database, project_id: int) -> bool:
    """True when the project's raw chat logs are stored: a review then picks one of them, never a typed chat."""
    return one(db, "SELECT 1 AS x FROM chat_messages WHERE project_id = ? LIMIT 1", [project_id]) is not None


def _agent_accounts(db: sqlite_utils.Database, project_id: int, day: date, agent_id: int) -> list[str]:
    """The account names of the day's logs that are this roster agent (sub-accounts, short forms, aliases)."""
    mapping = store.agent_name_map(db, project_id)
    names = [
        r["agent"]
        for r in db.query(
            "SELECT DISTINCT agent FROM chat_messages WHERE project_id = ? AND day = ?", [project_id, day.isoformat()]
        )
    ]
    return sorted(n for n in names if store.resolve_agent(mapping, n) == agent_id)


def agent_chats(db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent_id: int) -> list[dict]:
    """The agent's stored chats of a day (one per buyer and account), earliest first: buyer, account, times, messages."""
    require_project(db, actor, project_id, "qa.read")
    accounts = _agent_accounts(db, project_id, day, agent_id)
    if not accounts:
        return []
    marks = ",".join("?" * len(accounts))
    return rows(
        db,
        f"""SELECT buyer, agent AS account, MIN(time) AS first_at, MAX(time) AS last_at, COUNT(*) AS messages
                        FROM chat_messages WHERE project_id = ? AND day = ? AND agent IN ({marks})
                        GROUP BY buyer, agent ORDER BY first_at, buyer""",
        [project_id, day.isoformat(), *accounts],
    )


def _messages(db: sqlite_utils.Database, project_id: int, day: date, agent_id: int, buyer: str) -> list[dict]:
    accounts = _agent_accounts(db, project_id, day, agent_id)
    if not accounts:
        return []
    marks = ",".join("?" * len(accounts))
    return rows(
        db,
        f"""SELECT time, sender, content FROM chat_messages
                        WHERE project_id = ? AND day = ? AND buyer = ? AND agent IN ({marks}) ORDER BY time, id""",
        [project_id, day.isoformat(), buyer, *accounts],
    )


def chat_messages(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent_id: int, buyer: str
) -> list[dict]:
    """The messages of the agent's chat with a buyer on a day, in time order ([] when the agent had no such chat)."""
    require_project(db, actor, project_id, "qa.read")
    return _messages(db, project_id, day, agent_id, buyer)


def transcript_text(messages: list[dict], lang: str = "zh") -> str:
    """A chat as the review keeps it: one line per message, `HH:MM:SS 发送方：内容`."""
    return "\n".join(
        f"{m['time'][11:19]} {i18n.t('kpi.sender.' + m['sender'], lang)}：{m['content']}" for m in messages
    )


def _chat_of_agent_errors(
    db: sqlite_utils.Database, project_id: int, agent_id: Any, chat_date: date | None, buyer: Any
) -> tuple[list[dict], list[FieldError]]:
    """With raw logs, the chat must be one of the agent's stored chats of that day; returns its messages."""
    if (
        chat_date is None
        or not isinstance(agent_id, int)
        or not str(buyer or "").strip()
        or not has_raw_logs(db, project_id)
    ):
        return [], []
    found = _messages(db, project_id, chat_date, agent_id, str(buyer).strip())
    if not found:
        return [], [FieldError("qa.chat_buyer_id", "err.qa.chat_not_of_agent")]
    return found, []


def _case_errors(case_type: Any) -> list[FieldError]:
    return [] if case_type in (None, "", *CASE_TYPES) else [FieldError("qa.case_type", "err.invalid_choice")]


def _apply(
    db: sqlite_utils.Database,
    actor: Actor,
    review_id: int,
    card: Card,
    result: Result,
    ratings: dict[int, int | None],
    event: str,
    note: str,
    stamp: str,
    extra: dict[str, Any],
) -> None:
    """Store a computed result on a review (inside the caller's transaction) and keep it in the history."""
    db.execute("DELETE FROM qa_review_items WHERE review_id = ?", [review_id])
    for item in card.items:
        db["qa_review_items"].insert(
            {
                "review_id": review_id,
                "item_id": item.id,
                "rating": ratings.get(item.id),
                "score": None if result.item_scores[item.id] is None else round(result.item_scores[item.id], 4),
            }
        )
    changes = {
        "scorecard_id": card.id,
        "base_score": result.base,
        "bonus": result.bonus,
        "score": result.score,
        "critical_failed": int(bool(result.critical_failed)),
        "updated_at": stamp,
        **extra,
    }
    db["qa_reviews"].update(review_id, changes)
    db["qa_review_history"].insert(
        {
            "review_id": review_id,
            "at": stamp,
            "by": actor.id,
            "event": event,
            "score": result.score,
            "critical_failed": int(bool(result.critical_failed)),
            "ratings": json.dumps({str(k): v for k, v in ratings.items()}, sort_keys=True),
            "note": note,
        }
    )


def record_review(
    db: sqlite_utils.Database,
    actor: Actor,
    data: dict[str, Any],
    ratings: dict[int, int | None],
    now: datetime | None = None,
) -> int:
    """An inspector's review of one chat: project, agent, chat reference, item ratings, comment, case tag.

    data: project_id, agent_id, chat_buyer_id, chat_date, transcript, comment, case_type (problem/excellent/None).
    For a project with raw chat logs the chat (day, buyer) must be one of that agent's stored chats,
    and its messages become the transcript; without logs the transcript is the text pasted.
    The total is computed here (weights, N/A re-normalised, critical rule); returns the review id.
    """
    project_id = data.get("project_id")
    if not isinstance(project_id, int) or one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
        raise ValidationError.single("qa.project", "err.invalid_choice")
    require_project(db, actor, project_id, "qa.score")
    chat_date, errors = _chat_errors(db, data, _today(now))
    agent_errors = _agent_errors(db, actor, project_id, data.get("agent_id"), chat_date)
    errors += agent_errors
    messages: list[dict] = []
    if not agent_errors:
        messages, chat_errors = _chat_of_agent_errors(
            db, project_id, data.get("agent_id"), chat_date, data.get("chat_buyer_id")
        )
        errors += chat_errors
    errors += _case_errors(data.get("case_type"))
    card = None
    try:
        card = load_card(db, effective_scorecard_id(db, project_id))
    except ValidationError as exc:
        errors += exc.errors
    if card is not None:
        errors += rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    result = compute(card, ratings)
    stamp = _stamp(now)
    case_type = data.get("case_type") or None
    record = {
        "kind": "review",
        "project_id": project_id,
        "agent_id": data["agent_id"],
        "scorecard_id": card.id,
        "inspector_id": actor.id,
        "chat_buyer_id": str(data["chat_buyer_id"]).strip(),
        "chat_date": chat_date.isoformat(),
        # with raw logs the stored chat is the transcript (what the inspector read), never a pasted text
        "transcript": transcript_text(messages, actor.language)
        if messages
        else str(data.get("transcript") or "").strip(),
        "comment": str(data.get("comment") or "").strip(),
        "status": "scored",
        "case_type": case_type,
        "case_status": "to_discuss" if case_type else None,
        "created_at": stamp,
        "created_by": actor.id,
        "reviewed_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        review_id = db["qa_reviews"].insert(record).last_pk
        _apply(db, actor, review_id, card, result, ratings, "scored", "", stamp, {})
        audit.record(
            db,
            actor,
            "create",
            "qa_review",
            review_id,
            None,
            {**record, "score": result.score, "critical_failed": list(result.critical_failed), "ratings": ratings},
        )
    return int(review_id)


def create_task(
    db: sqlite_utils.Database,
    actor: Actor | None,
    project_id: int,
    agent_id: int,
    chat_buyer_id: str,
    chat_date: date,
    complaint_id: int | None,
    stamp: str,
) -> int:
    """A review waiting to be scored (a complaint named the agent and the chat); joins the caller's transaction."""
    with write(db):
        review_id = (
            db["qa_reviews"]
            .insert(
                {
                    "kind": "review",
                    "project_id": project_id,
                    "agent_id": agent_id,
                    "scorecard_id": None,
                    "inspector_id": None,
                    "chat_buyer_id": chat_buyer_id,
                    "chat_date": chat_date.isoformat(),
                    "status": "task",
                    "complaint_id": complaint_id,
                    "created_at": stamp,
                    "created_by": actor.id if actor else None,
                    "updated_at": stamp,
                }
            )
            .last_pk
        )
        db["qa_review_history"].insert(
            {
                "review_id": review_id,
                "at": stamp,
                "by": actor.id if actor else None,
                "event": "task",
                "score": None,
                "critical_failed": 0,
                "ratings": "{}",
                "note": "",
            }
        )
        audit.record(
            db, actor, "create", "qa_review_task", review_id, None, {"complaint_id": complaint_id, "agent_id": agent_id}
        )
    return int(review_id)


def _review_row(db: sqlite_utils.Database, review_id: int) -> dict:
    row = one(db, "SELECT * FROM qa_reviews WHERE id = ?", [review_id])
    if row is None:
        raise NotFound(f"review {review_id}")
    return row


def score_review(
    db: sqlite_utils.Database,
    actor: Actor,
    review_id: int,
    ratings: dict[int, int | None],
    comment: str | None = None,
    case_type: str | None = None,
    transcript: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """Score a review task, or re-score a review not under dispute or locked; the old score stays in the history.

    `comment`, `case_type` and `transcript` left as None keep what the review has; case_type "" removes its case tag.
    """
    review = _review_row(db, review_id)
    require_project(db, actor, review["project_id"], "qa.score")
    if review["kind"] != "review":
        raise NotFound(f"review {review_id}")
    if review["status"] == "locked":
        raise ValidationError.single("qa.review", "err.qa.review_locked")
    if review["status"] == "disputed":
        raise ValidationError.single("qa.review", "err.qa.review_disputed")
    errors = _agent_errors(db, actor, review["project_id"], review["agent_id"], None)
    errors += _case_errors(case_type)
    errors += _text_errors(
        {"comment": comment, "transcript": transcript, "note": note},
        {
            "comment": ("qa.comment", MAX_COMMENT, False),
            "transcript": ("qa.transcript", MAX_TRANSCRIPT, False),
            "note": ("note", MAX_COMMENT, False),
        },
    )
    card = None
    try:
        card = load_card(db, review["scorecard_id"] or effective_scorecard_id(db, review["project_id"]))
    except ValidationError as exc:
        errors += exc.errors
    if card is not None:
        errors += rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    result = compute(card, ratings)
    stamp = _stamp(now)
    extra: dict[str, Any] = {"status": "scored", "inspector_id": review["inspector_id"] or actor.id}
    if review["status"] == "task":
        extra["reviewed_at"] = stamp
    if comment is not None:
        extra["comment"] = comment.strip()
    if transcript is not None:
        extra["transcript"] = transcript.strip()
    if case_type is not None:
        extra |= _case_fields(review, case_type or None)
    with write(db):
        _apply(
            db,
            actor,
            review_id,
            card,
            result,
            ratings,
            "scored" if review["status"] == "task" else "rescored",
            note.strip(),
            stamp,
            extra,
        )
        audit.record(
            db,
            actor,
            "score",
            "qa_review",
            review_id,
            {"score": review["score"], "status": review["status"]},
            {"score": result.score, "critical_failed": list(result.critical_failed), "ratings": ratings},
        )


def _case_fields(review: dict, case_type: str | None) -> dict[str, Any]:
    if case_type is None:
        return {"case_type": None, "case_status": None, "case_discussed_on": None}
    if case_type == review.get("case_type"):
        return {}
    return {"case_type": case_type, "case_status": "to_discuss", "case_discussed_on": None}


_REVIEW_SELECT = """
    SELECT r.id, r.kind, r.project_id, p.name AS project_name, m.name AS merchant_name, r.agent_id, a.name AS agent_name,
           r.inspector_id, u.display_name AS inspector_name, r.chat_buyer_id, r.chat_date, r.status, r.base_score, r.bonus,
           r.score, r.critical_failed, r.case_type, r.case_status, r.case_discussed_on, r.case_note, r.comment,
           r.complaint_id, c.number AS complaint_number, r.reviewed_at, r.created_at, r.scorecard_id,
           (SELECT d.status FROM qa_disputes d WHERE d.review_id = r.id ORDER BY d.id DESC LIMIT 1) AS dispute_status
    FROM qa_reviews r JOIN projects p ON p.id = r.project_id JOIN merchants m ON m.id = p.merchant_id
    JOIN agents a ON a.id = r.agent_id LEFT JOIN users u ON u.id = r.inspector_id
    LEFT JOIN complaints c ON c.id = r.complaint_id
"""


def list_reviews(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    agent_id: int | None = None,
    inspector_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    status: str | None = None,
    critical_only: bool = False,
    case_type: str | None = None,
    search: str = "",
) -> list[dict]:
    """Reviews (not calibration scorings), newest chat first: QA staff see their projects', an agent only its own."""
    where, params = ["r.kind = 'review'"], []
    if actor.role == "agent":
        require(actor, "qa.own")
        own = own_agent_id(db, actor)
        if own is None:
            return []
        where.append("r.agent_id = ?")
        params.append(own)
    else:
        require(actor, "qa.read")
        clause, extra = _project_clause(db, actor, "r.project_id")
        where.append(clause)
        params += extra
    for column, value in (
        ("r.project_id", project_id),
        ("r.agent_id", agent_id),
        ("r.inspector_id", inspector_id),
        ("r.status", status),
        ("r.case_type", case_type),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if start:
        where.append("r.chat_date >= ?")
        params.append(start.isoformat())
    if end:
        where.append("r.chat_date <= ?")
        params.append(end.isoformat())
    if critical_only:
        where.append("r.critical_failed = 1")
    if search.strip():
        where.append("(r.chat_buyer_id LIKE ? OR a.name LIKE ? OR r.comment LIKE ? OR c.number LIKE ?)")
        params += [f"%{search.strip()}%"] * 4
    return rows(db, f"{_REVIEW_SELECT} WHERE {' AND '.join(where)} ORDER BY r.chat_date DESC, r.id DESC", params)


def _readable_review(db: sqlite_utils.Database, actor: Actor, review_id: int) -> dict:
    review = one(db, "SELECT * FROM qa_reviews WHERE id = ?", [review_id])
    if review is None:
        raise NotFound(f"review {review_id}")
    try:
        if actor.role == "agent":
            require(actor, "qa.own")
            if review["kind"] != "review" or own_agent_id(db, actor) != review["agent_id"]:
                raise PermissionDenied("qa.own")
        else:
            require_project(db, actor, review["project_id"], "qa.read")
    except PermissionDenied:
        raise NotFound(f"review {review_id}") from None
    return review


def get_review(db: sqlite_utils.Database, actor: Actor, review_id: int) -> dict:
    """One review with its items, score history, disputes and complaint; staff of its project or its own agent."""
    _readable_review(db, actor, review_id)
    head = one(db, f"{_REVIEW_SELECT} WHERE r.id = ?", [review_id])
    full = one(db, "SELECT transcript FROM qa_reviews WHERE id = ?", [review_id])
    items = []
    if head["scorecard_id"]:
        items = rows(
            db,
            """SELECT i.id AS item_id, i.category, i.name, i.scale, i.kind, i.weight, i.points, i.critical, i.allow_na,
                                   ri.rating, ri.score
                            FROM qa_scorecard_items i LEFT JOIN qa_review_items ri ON ri.item_id = i.id AND ri.review_id = ?
                            WHERE i.scorecard_id = ? ORDER BY i.position, i.id""",
            [review_id, head["scorecard_id"]],
        )
    history = rows(
        db,
        """SELECT h.at, h.event, h.score, h.critical_failed, h.note, h.ratings, u.display_name AS by_name
                          FROM qa_review_history h LEFT JOIN users u ON u.id = h.by WHERE h.review_id = ? ORDER BY h.id""",
        [review_id],
    )
    disputes = rows(
        db,
        """SELECT d.*, ru.display_name AS raised_by_name, vu.display_name AS resolved_by_name
                           FROM qa_disputes d LEFT JOIN users ru ON ru.id = d.raised_by LEFT JOIN users vu ON vu.id = d.resolved_by
                           WHERE d.review_id = ? ORDER BY d.id""",
        [review_id],
    )
    complaint = None
    if head["complaint_id"]:
        complaint = one(
            db,
            """SELECT id, number, category, status, responsible, logged_at FROM complaints WHERE id = ?""",
            [head["complaint_id"]],
        )
    return {
        **head,
        "transcript": full["transcript"],
        "items": items,
        "history": history,
        "disputes": disputes,
        "complaint": complaint,
    }


def current_ratings(db: sqlite_utils.Database, review_id: int) -> dict[int, int | None]:
    """The review's ratings by item id (for pre-filling a re-score or a dispute resolution)."""
    return {
        r["item_id"]: r["rating"]
        for r in db.query("SELECT item_id, rating FROM qa_review_items WHERE review_id = ?", [review_id])
    }


def tasks(db: sqlite_utils.Database, actor: Actor, project_id: int | None = None) -> list[dict]:
    """Reviews waiting to be scored (created by complaints), oldest first."""
    found = list_reviews(db, actor, project_id=project_id, status="task")
    return sorted(found, key=lambda r: (r["created_at"], r["id"]))


# --- disputes --------------------------------------------------------------------------------------


def raise_dispute(
    db: sqlite_utils.Database, actor: Actor, review_id: int, reason: str, now: datetime | None = None
) -> int:
    """The reviewed agent disputes a scored review with a reason."""
    require(actor, "qa.dispute")
    review = _readable_review(db, actor, review_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.single("qa.dispute_reason", "err.required")
    if len(reason) > MAX_COMMENT:
        raise ValidationError.single("qa.dispute_reason", "err.too_long", n=MAX_COMMENT)
    if review["status"] != "scored":
        key = {"locked": "err.qa.review_locked", "disputed": "err.qa.review_disputed"}.get(
            review["status"], "err.qa.not_scored"
        )
        raise ValidationError.single("qa.review", key)
    stamp = _stamp(now)
    record = {
        "review_id": review_id,
        "raised_by": actor.id,
        "raised_at": stamp,
        "reason": reason,
        "status": "open",
        "score_before": review["score"],
    }
    with write(db):
        dispute_id = db["qa_disputes"].insert(record).last_pk
        db["qa_reviews"].update(review_id, {"status": "disputed", "updated_at": stamp})
        db["qa_review_history"].insert(
            {
                "review_id": review_id,
                "at": stamp,
                "by": actor.id,
                "event": "disputed",
                "score": review["score"],
                "critical_failed": review["critical_failed"],
                "ratings": json.dumps({str(k): v for k, v in current_ratings(db, review_id).items()}, sort_keys=True),
                "note": reason,
            }
        )
        audit.record(db, actor, "create", "qa_dispute", dispute_id, None, record)
    return int(dispute_id)


def resolve_dispute(
    db: sqlite_utils.Database,
    actor: Actor,
    dispute_id: int,
    outcome: str,
    comment: str,
    ratings: dict[int, int | None] | None = None,
    now: datetime | None = None,
) -> None:
    """A manager accepts or partly accepts a dispute (with the new item ratings) or rejects it, which locks the review."""
    dispute = one(db, "SELECT * FROM qa_disputes WHERE id = ?", [dispute_id])
    if dispute is None:
        raise NotFound(f"dispute {dispute_id}")
    review = _review_row(db, dispute["review_id"])
    require_project(db, actor, review["project_id"], "qa.resolve_dispute")
    errors: list[FieldError] = []
    if dispute["status"] != "open":
        raise ValidationError.single("qa.dispute", "err.qa.dispute_closed")
    if outcome not in DISPUTE_OUTCOMES:
        errors.append(FieldError("qa.outcome", "err.invalid_choice"))
    comment = (comment or "").strip()
    if not comment:
        errors.append(FieldError("qa.resolution_comment", "err.required"))
    elif len(comment) > MAX_COMMENT:
        errors.append(FieldError("qa.resolution_comment", "err.too_long", {"n": MAX_COMMENT}))
    card = load_card(db, review["scorecard_id"])
    result = None
    if outcome in ("accepted", "partly_accepted"):
        if ratings is None:
            errors.append(FieldError("qa.ratings", "err.required"))
        else:
            errors += rating_errors(card, ratings)
    if errors:
        raise ValidationError(errors)
    if ratings is not None and outcome != "rejected":
        result = compute(card, ratings)
    stamp = _stamp(now)
    score_after = result.score if result else review["score"]
    with write(db):
        db["qa_disputes"].update(
            dispute_id,
            {
                "status": outcome,
                "resolved_by": actor.id,
                "resolved_at": stamp,
                "resolution_comment": comment,
                "score_after": score_after,
            },
        )
        if result is not None:
            _apply(
                db,
                actor,
                review["id"],
                card,
                result,
                ratings,
                f"dispute_{outcome}",
                comment,
                stamp,
                {"status": "scored"},
            )
        else:
            db["qa_reviews"].update(review["id"], {"status": "locked", "updated_at": stamp})
            db["qa_review_history"].insert(
                {
                    "review_id": review["id"],
                    "at": stamp,
                    "by": actor.id,
                    "event": "dispute_rejected",
                    "score": review["score"],
                    "critical_failed": review["critical_failed"],
                    "ratings": json.dumps(
                        {str(k): v for k, v in current_ratings(db, review["id"]).items()}, sort_keys=True
                    ),
                    "note": comment,
                }
            )
        audit.record(
            db,
            actor,
            "resolve",
            "qa_dispute",
            dispute_id,
            {"status": "open", "score": review["score"]},
            {"status": outcome, "score": score_after, "comment": comment},
        )


def list_disputes(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None = None, status: str | None = None
) -> list[dict]:
    """Disputes with their review, agent and inspector: QA staff of the projects, or an agent's own."""
    where, params = ["1=1"], []
    if actor.role == "agent":
        require(actor, "qa.own")
        where.append("r.agent_id = ?")
        params.append(own_agent_id(db, actor) or -1)
    else:
        require(actor, "qa.read")
        clause, extra = _project_clause(db, actor, "r.project_id")
        where.append(clause)
        params += extra
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    if status is not None:
        where.append("d.status = ?")
        params.append(status)
    return rows(
        db,
        f"""SELECT d.id, d.review_id, d.status, d.reason, d.raised_at, d.resolved_at, d.resolution_comment,
                               d.score_before, d.score_after, r.project_id, p.name AS project_name, a.name AS agent_name,
                               r.chat_date, r.chat_buyer_id, r.inspector_id, u.display_name AS inspector_name,
                               vu.display_name AS resolved_by_name
                        FROM qa_disputes d JOIN qa_reviews r ON r.id = d.review_id JOIN projects p ON p.id = r.project_id
                        JOIN agents a ON a.id = r.agent_id LEFT JOIN users u ON u.id = r.inspector_id
                        LEFT JOIN users vu ON vu.id = d.resolved_by
                        WHERE {" AND ".join(where)} ORDER BY d.status != 'open', d.raised_at DESC""",
        params,
    )


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def dispute_stats(
    db: sqlite_utils.Database, actor: Actor, start: date | None = None, end: date | None = None
) -> list[dict]:
    """Per inspector: disputes raised against their reviews, how they ended, and the mean resolution time in seconds."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "r.project_id")
    where = [clause]
    if start:
        where.append("d.raised_at >= ?")
        params.append(f"{start.isoformat()} 00:00:00")
    if end:
        where.append("d.raised_at <= ?")
        params.append(f"{end.isoformat()} 23:59:59")
    found = rows(
        db,
        f"""SELECT r.inspector_id, u.display_name AS inspector_name, d.status, d.raised_at, d.resolved_at
                         FROM qa_disputes d JOIN qa_reviews r ON r.id = d.review_id LEFT JOIN users u ON u.id = r.inspector_id
                         WHERE {" AND ".join(where)}""",
        params,
    )
    stats: dict[Any, dict] = {}
    for row in found:
        entry = stats.setdefault(
            row["inspector_id"],
            {
                "inspector_id": row["inspector_id"],
                "inspector_name": row["inspector_name"],
                "disputes": 0,
                "open": 0,
                "accepted": 0,
                "partly_accepted": 0,
                "rejected": 0,
                "_durations": [],
            },
        )
        entry["disputes"] += 1
        entry[row["status"]] += 1
        if row["resolved_at"]:
            entry["_durations"].append(_seconds_between(row["raised_at"], row["resolved_at"]))
    result = []
    for entry in stats.values():
        durations = entry.pop("_durations")
        entry["mean_resolution_s"] = round(sum(durations) / len(durations)) if durations else None
        result.append(entry)
    return sorted(result, key=lambda e: (-e["disputes"], e["inspector_name"] or ""))


# --- case library ------------------------------------------------------------------------------------


def set_case(db: sqlite_utils.Database, actor: Actor, review_id: int, case_type: str | None, note: str = "") -> None:
    """Tag a review as a problem or an excellent case (or untag it); a new tag starts as 'to discuss'."""
    review = _review_row(db, review_id)
    require_project(db, actor, review["project_id"], "qa.score")
    errors = _case_errors(case_type)
    if len(note or "") > MAX_COMMENT:
        errors.append(FieldError("qa.case_note", "err.too_long", {"n": MAX_COMMENT}))
    if review["status"] == "task":
        errors.append(FieldError("qa.review", "err.qa.not_scored"))
    if errors:
        raise ValidationError(errors)
    changes = {
        **_case_fields(review, case_type or None),
        "case_note": (note or "").strip(),
        "updated_at": config.now_text(),
    }
    with write(db):
        db["qa_reviews"].update(review_id, changes)
        audit.record(
            db,
            actor,
            "case",
            "qa_review",
            review_id,
            {"case_type": review["case_type"], "case_status": review["case_status"]},
            changes,
        )


def mark_case(
    db: sqlite_utils.Database,
    actor: Actor,
    review_id: int,
    status: str,
    discussed_on: date | None = None,
    note: str | None = None,
) -> None:
    """A trainer records that a case was discussed in improvement training (提升培训) on a date, or puts it back to discuss."""
    review = _review_row(db, review_id)
    require_project(db, actor, review["project_id"], "qa.case_write")
    errors: list[FieldError] = []
    if review["case_type"] is None:
        errors.append(FieldError("qa.case_type", "err.qa.not_a_case"))
    if status not in CASE_STATUSES:
        errors.append(FieldError("qa.case_status", "err.invalid_choice"))
    if status == "discussed" and discussed_on is None:
        errors.append(FieldError("qa.case_discussed_on", "err.required"))
    if discussed_on is not None and discussed_on > config.today():
        errors.append(FieldError("qa.case_discussed_on", "err.qa.date_future"))
    if note is not None and len(note) > MAX_COMMENT:
        errors.append(FieldError("qa.case_note", "err.too_long", {"n": MAX_COMMENT}))
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {
        "case_status": status,
        "case_discussed_on": discussed_on.isoformat() if status == "discussed" else None,
        "updated_at": config.now_text(),
    }
    if note is not None:
        changes["case_note"] = note.strip()
    with write(db):
        db["qa_reviews"].update(review_id, changes)
        audit.record(
            db,
            actor,
            "case_status",
            "qa_review",
            review_id,
            {"case_status": review["case_status"], "case_discussed_on": review["case_discussed_on"]},
            changes,
        )


def case_library(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    case_type: str | None = None,
    status: str | None = None,
) -> list[dict]:
    """Problem and excellent cases for improvement training, to-discuss first."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "r.project_id")
    where = ["r.kind = 'review'", "r.case_type IS NOT NULL", clause]
    for column, value in (("r.project_id", project_id), ("r.case_type", case_type), ("r.case_status", status)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return rows(
        db,
        f"{_REVIEW_SELECT} WHERE {' AND '.join(where)} ORDER BY r.case_status = 'discussed', r.chat_date DESC",
        params,
    )


# --- calibration -------------------------------------------------------------------------------------


def create_calibration(
    db: sqlite_utils.Database, actor: Actor, data: dict[str, Any], now: datetime | None = None
) -> int:
    """A chat several inspectors score independently, to see how far apart they are (校准)."""
    project_id = data.get("project_id")
    if not isinstance(project_id, int) or one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
        raise ValidationError.single("qa.project", "err.invalid_choice")
    require_project(db, actor, project_id, "qa.calibrate")
    chat_date, errors = _chat_errors(db, data, _today(now))
    errors += _text_errors(data, {"title": ("qa.title", MAX_TEXT, False)})
    agent_id = data.get("agent_id")
    if not isinstance(agent_id, int) or not one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]):
        errors.append(FieldError("qa.agent", "err.invalid_choice"))
    elif chat_date is not None and not on_team(db, project_id, agent_id, chat_date):
        errors.append(FieldError("qa.agent", "err.qa.agent_not_on_team"))
    scorecard_id = None
    try:
        scorecard_id = effective_scorecard_id(db, project_id)
    except ValidationError as exc:
        errors += exc.errors
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now)
    record = {
        "project_id": project_id,
        "agent_id": agent_id,
        "scorecard_id": scorecard_id,
        "title": str(data.get("title") or "").strip(),
        "chat_buyer_id": str(data["chat_buyer_id"]).strip(),
        "chat_date": chat_date.isoformat(),
        "transcript": str(data.get("transcript") or "").strip(),
        "created_at": stamp,
        "created_by": actor.id,
    }
    with write(db):
        calibration_id = db["qa_calibrations"].insert(record).last_pk
        audit.record(db, actor, "create", "qa_calibration", calibration_id, None, record)
    return int(calibration_id)


def _calibration(db: sqlite_utils.Database, actor: Actor, calibration_id: int, action: str = "qa.read") -> dict:
    row = one(db, "SELECT * FROM qa_calibrations WHERE id = ?", [calibration_id])
    if row is None:
        raise NotFound(f"calibration {calibration_id}")
    try:
        require_project(db, actor, row["project_id"], action)
    except PermissionDenied:
        if action == "qa.read":
            raise NotFound(f"calibration {calibration_id}") from None
        raise
    return row


def list_calibrations(db: sqlite_utils.Database, actor: Actor, project_id: int | None = None) -> list[dict]:
    """Calibration sessions with how many inspectors have scored each."""
    require(actor, "qa.read")
    clause, params = _project_clause(db, actor, "c.project_id")
    where = [clause]
    if project_id is not None:
        where.append("c.project_id = ?")
        params.append(project_id)
    return rows(
        db,
        f"""SELECT c.id, c.title, c.project_id, p.name AS project_name, a.name AS agent_name, c.chat_buyer_id,
                               c.chat_date, c.created_at, c.transcript,
                               (SELECT COUNT(*) FROM qa_reviews r WHERE r.calibration_id = c.id) AS scorings
                        FROM qa_calibrations c JOIN projects p ON p.id = c.project_id JOIN agents a ON a.id = c.agent_id
                        WHERE {" AND ".join(where)} ORDER BY c.created_at DESC""",
        params,
    )


def score_calibration(
    db: sqlite_utils.Database,
    actor: Actor,
    calibration_id: int,
    ratings: dict[int, int | None],
    comment: str = "",
    now: datetime | None = None,
) -> int:
    """An inspector's own scoring of a calibration chat (scoring again replaces it); never counts for the agent."""
    session = _calibration(db, actor, calibration_id, "qa.score")
    card = load_card(db, session["scorecard_id"])
    errors = rating_errors(card, ratings) + _text_errors(
        {"comment": comment}, {"comment": ("qa.comment", MAX_COMMENT, False)}
    )
    if errors:
        raise ValidationError(errors)
    result = compute(card, ratings)
    stamp = _stamp(now)
    with write(db):
        existing = one(
            db, "SELECT id FROM qa_reviews WHERE calibration_id = ? AND inspector_id = ?", [calibration_id, actor.id]
        )
        if existing:
            review_id = existing["id"]
            db["qa_reviews"].update(review_id, {"comment": (comment or "").strip(), "reviewed_at": stamp})
        else:
            review_id = (
                db["qa_reviews"]
                .insert(
                    {
                        "kind": "calibration",
                        "project_id": session["project_id"],
                        "agent_id": session["agent_id"],
                        "scorecard_id": card.id,
                        "inspector_id": actor.id,
                        "chat_buyer_id": session["chat_buyer_id"],
                        "chat_date": session["chat_date"],
                        "transcript": "",
                        "comment": (comment or "").strip(),
                        "status": "scored",
                        "calibration_id": calibration_id,
                        "created_at": stamp,
                        "created_by": actor.id,
                        "reviewed_at": stamp,
                        "updated_at": stamp,
                    }
                )
                .last_pk
            )
        _apply(db, actor, review_id, card, result, ratings, "calibration", "", stamp, {})
        audit.record(
            db, actor, "score", "qa_calibration", calibration_id, None, {"score": result.score, "ratings": ratings}
        )
    return int(review_id)


def _pstdev(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def calibration_spread(db: sqlite_utils.Database, actor: Actor, calibration_id: int) -> dict[str, Any]:
    """How far apart the inspectors are: per item each inspector's item score, min, max, spread (max − min) and standard deviation."""
    session = _calibration(db, actor, calibration_id)
    card = load_card(db, session["scorecard_id"])
    scorings = rows(
        db,
        """SELECT r.id, r.inspector_id, u.display_name AS inspector_name, r.score, r.critical_failed, r.comment
                           FROM qa_reviews r LEFT JOIN users u ON u.id = r.inspector_id
                           WHERE r.calibration_id = ? ORDER BY u.display_name, r.id""",
        [calibration_id],
    )
    by_review = defaultdict(dict)
    for r in db.query(
        """SELECT ri.review_id, ri.item_id, ri.score FROM qa_review_items ri JOIN qa_reviews r ON r.id = ri.review_id
                         WHERE r.calibration_id = ?""",
        [calibration_id],
    ):
        by_review[r["review_id"]][r["item_id"]] = r["score"]
    items = []
    for item in card.items:
        per = {s["inspector_name"]: by_review[s["id"]].get(item.id) for s in scorings}
        values = [v for v in per.values() if v is not None]
        items.append(
            {
                "item_id": item.id,
                "category": item.category,
                "name": item.name,
                "scores": per,
                "min": min(values) if values else None,
                "max": max(values) if values else None,
                "spread": (max(values) - min(values)) if values else None,
                "stdev": _pstdev(values) if values else None,
            }
        )
    totals = [s["score"] for s in scorings]
    return {
        "session": session,
        "scorings": scorings,
        "items": items,
        "total": {
            "min": min(totals) if totals else None,
            "max": max(totals) if totals else None,
            "spread": (max(totals) - min(totals)) if totals else None,
            "stdev": _pstdev(totals) if totals else None,
        },
    }


# --- numbers: IQS, charts, sampling, salary feeds -------------------------------------------------------


def _scored_reviews(db: sqlite_utils.Database, where: list[str], params: list) -> list[dict]:
    return rows(
        db,
        f"""SELECT r.id, r.project_id, r.agent_id, a.name AS agent_name, r.chat_date, r.score, r.critical_failed,
                               r.scorecard_id, r.case_type
                        FROM qa_reviews r JOIN agents a ON a.id = r.agent_id
                        WHERE r.kind = 'review' AND r.status != 'task' AND {" AND ".join(where)}
                        ORDER BY r.chat_date, r.id""",
        params,
    )


def agent_iqs(
    db: sqlite_utils.Database, actor: Actor | None, agent_id: int, start: date, end: date, project_id: int | None = None
) -> float | None:
    """The agent's quality score for the period: mean score of its scored reviews of chats in [start, end]; None without reviews."""
    _check_agent_access(db, actor, agent_id)
    where, params = ["r.agent_id = ?", "r.chat_date BETWEEN ? AND ?"], [agent_id, start.isoformat(), end.isoformat()]
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    scores = [r["score"] for r in _scored_reviews(db, where, params)]
    return round(sum(scores) / len(scores), 2) if scores else None


def critical_failures(
    db: sqlite_utils.Database, actor: Actor | None, agent_id: int, start: date, end: date
) -> list[dict]:
    """The agent's reviews of chats in [start, end] that currently stand as critical failures (for pay deductions)."""
    _check_agent_access(db, actor, agent_id)
    return rows(
        db,
        """SELECT r.id AS review_id, r.project_id, r.chat_date, r.chat_buyer_id, r.score, r.status, r.complaint_id,
                              c.number AS complaint_number,
                              (SELECT GROUP_CONCAT(i.name, '、') FROM qa_review_items ri JOIN qa_scorecard_items i ON i.id = ri.item_id
                               WHERE ri.review_id = r.id AND i.critical = 1 AND ri.score < ?) AS failed_items
                       FROM qa_reviews r LEFT JOIN complaints c ON c.id = r.complaint_id
                       WHERE r.kind = 'review' AND r.status != 'task' AND r.critical_failed = 1 AND r.agent_id = ?
                         AND r.chat_date BETWEEN ? AND ? ORDER BY r.chat_date, r.id""",
        [CRITICAL_THRESHOLD, agent_id, start.isoformat(), end.isoformat()],
    )


def score_series(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    start: date,
    end: date,
    by_agent: bool = False,
    agent_id: int | None = None,
) -> list[dict]:
    """Mean review score per week (Monday) of the project, optionally per agent: {week, agent, score, reviews}."""
    require_project(db, actor, project_id, "qa.read")
    where, params = (
        ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"],
        [project_id, start.isoformat(), end.isoformat()],
    )
    if agent_id is not None:
        where.append("r.agent_id = ?")
        params.append(agent_id)
    return _weekly(_scored_reviews(db, where, params), by_agent)


def _weekly(reviews: list[dict], by_agent: bool) -> list[dict]:
    buckets: dict[tuple, list[float]] = defaultdict(list)
    for r in reviews:
        key = (weeks.week_start(date.fromisoformat(r["chat_date"])).isoformat(), r["agent_name"] if by_agent else None)
        buckets[key].append(r["score"])
    return [
        {"week": week, "agent": agent, "score": round(sum(v) / len(v), 2), "reviews": len(v)}
        for (week, agent), v in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


def lost_points(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date, agent_id: int | None = None
) -> list[dict]:
    """The items that lose most points: per item name, points lost per review on average, most first.

    Per review an item loses its weight share × (100 − its score) (N/A items lose nothing), and a
    failed critical item also what the critical rule took off; see `lost_points_of`.
    """
    require_project(db, actor, project_id, "qa.summary")
    return _lost_points(db, project_id, start, end, agent_id)


def _lost_points(
    db: sqlite_utils.Database, project_id: int, start: date, end: date, agent_id: int | None
) -> list[dict]:
    where, params = (
        ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"],
        [project_id, start.isoformat(), end.isoformat()],
    )
    if agent_id is not None:
        where.append("r.agent_id = ?")
        params.append(agent_id)
    reviews = _scored_reviews(db, where, params)
    if not reviews:
        return []
    cards: dict[int, Card] = {}
    scores: dict[int, dict[int, float | None]] = defaultdict(dict)
    ids = [r["id"] for r in reviews]
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        for r in db.query(
            f"SELECT review_id, item_id, score FROM qa_review_items WHERE review_id IN ({','.join('?' * len(part))})",
            part,
        ):
            scores[r["review_id"]][r["item_id"]] = r["score"]
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for review in reviews:
        card = cards.get(review["scorecard_id"]) or cards.setdefault(
            review["scorecard_id"], load_card(db, review["scorecard_id"])
        )
        names = {i.id: (i.category, i.name) for i in card.items}
        for item_id, lost in lost_points_of(card, scores[review["id"]], review["score"]).items():
            totals[names[item_id]] += lost
    result = [{"category": c, "item": n, "lost": round(v / len(reviews), 2)} for (c, n), v in totals.items()]
    return sorted(result, key=lambda r: (-r["lost"], r["item"]))


def qa_summary(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> dict[str, Any]:
    """What a merchant may see of its project's QA: scores against the target, case counts, weekly trend, lost points.

    Never comments, transcripts, buyer ids or agent names: only numbers.
    """
    require_project(db, actor, project_id, "qa.summary")
    reviews = _scored_reviews(
        db, ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"], [project_id, start.isoformat(), end.isoformat()]
    )
    settings = project_settings(db, project_id)
    scores = [r["score"] for r in reviews]
    weekly = [{"week": w["week"], "score": w["score"], "reviews": w["reviews"]} for w in _weekly(reviews, False)]
    return {
        "project_id": project_id,
        "reviews": len(reviews),
        "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
        "target": settings["target"],
        "at_target_rate": round(sum(1 for s in scores if s >= settings["target"]) / len(scores), 4) if scores else None,
        "critical_failures": sum(1 for r in reviews if r["critical_failed"]),
        "problem_cases": sum(1 for r in reviews if r["case_type"] == "problem"),
        "excellent_cases": sum(1 for r in reviews if r["case_type"] == "excellent"),
        "weekly": weekly,
        "lost_points": _lost_points(db, project_id, start, end, None),
    }


def agent_scores(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict]:
    """Per agent of the project: reviews, IQS, critical failures and cases in the period, lowest IQS first."""
    require_project(db, actor, project_id, "qa.read")
    reviews = _scored_reviews(
        db, ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"], [project_id, start.isoformat(), end.isoformat()]
    )
    per: dict[int, dict] = {}
    for r in reviews:
        entry = per.setdefault(
            r["agent_id"],
            {
                "agent_id": r["agent_id"],
                "agent_name": r["agent_name"],
                "reviews": 0,
                "_sum": 0.0,
                "critical_failures": 0,
                "problem_cases": 0,
                "excellent_cases": 0,
            },
        )
        entry["reviews"] += 1
        entry["_sum"] += r["score"]
        entry["critical_failures"] += r["critical_failed"]
        entry["problem_cases"] += r["case_type"] == "problem"
        entry["excellent_cases"] += r["case_type"] == "excellent"
    result = []
    for entry in per.values():
        entry["iqs"] = round(entry.pop("_sum") / entry["reviews"], 2)
        result.append(entry)
    return sorted(result, key=lambda e: (e["iqs"], e["agent_name"]))


def sampling_proposal(db: sqlite_utils.Database, actor: Actor, project_id: int, day: date) -> list[dict]:
    """Which online agents are due a review of their chats of `day` (次日抽检: usually yesterday).

    Each online agent should be reviewed at least N times a week (Monday–Sunday, the project's
    setting). By `day` the pace asks for ceil(N × days of the week so far / 7) reviews; an agent
    below that pace is due. Reviews and open tasks of chats in that week count. Due agents come
    first, the least reviewed first.
    """
    require_project(db, actor, project_id, "qa.read")
    quota = project_settings(db, project_id)["reviews_per_week"]
    monday = weeks.week_start(day)
    pace = math.ceil(quota * (day.weekday() + 1) / 7)
    team = team_agents(db, actor, project_id, day, online_only=True)
    counts = {
        r["agent_id"]: (r["n"], r["last"])
        for r in db.query(
            """SELECT agent_id, COUNT(*) AS n, MAX(chat_date) AS last FROM qa_reviews
           WHERE kind = 'review' AND project_id = ? AND chat_date BETWEEN ? AND ? GROUP BY agent_id""",
            [project_id, monday.isoformat(), (monday + timedelta(days=6)).isoformat()],
        )
    }
    proposal = []
    for agent in team:
        done, last = counts.get(agent["id"], (0, None))
        proposal.append(
            {
                "agent_id": agent["id"],
                "agent_name": agent["name"],
                "sub_account": agent["sub_account"],
                "reviews_this_week": done,
                "quota": quota,
                "pace": pace,
                "remaining": max(0, quota - done),
                "due": done < pace,
                "last_reviewed_chat": last,
            }
        )
    return sorted(
        proposal, key=lambda p: (not p["due"], p["reviews_this_week"], p["last_reviewed_chat"] or "", p["agent_name"])
    )
