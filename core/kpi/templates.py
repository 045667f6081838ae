"""Saved import layouts: a file layout the user mapped once maps itself the next time.

A template belongs to a project and a kind (`summary` for the platforms' per-agent summaries,
`raw_messages` and `raw_orders` for chat logs and order exports). It is keyed on the *set* of
the file's headers, normalised (`layout_key`: NFKC, spaces and case ignored, order ignored), so
a re-export of the same backend page with its columns in another order finds it, and a file with
one header more or less does not. `mapping` is header as written → field (or None = ignore);
`options` holds what else the user chose for that layout (profile, sender values, …).

Saving a template for a layout that already has one replaces its mapping and keeps its name.
Every change is audited; reading and writing need the project's `kpi.import` permission.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import Actor, require_project

KINDS = ("summary", "raw_messages", "raw_orders")
NAME_MAX = 80


def normalise_header(header: str) -> str:
    """A header as compared for layouts: NFKC (full-width → half-width), no spaces, lower case."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "")
    return "".join(text.split()).lower()


def layout_key(headers: list[str]) -> str:
    """The key of a layout: its non-blank headers, normalised, sorted, de-duplicated."""
    return "\x1f".join(sorted({normalise_header(h) for h in headers if str(h).strip()}))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError.single("kind", "err.invalid_choice")


def _decode(row: dict) -> dict:
    return {
        **row,
        "headers": json.loads(row["headers"]),
        "mapping": json.loads(row["mapping"]),
        "options": json.loads(row["options"]),
    }


def find_template(
    db: sqlite_utils.Database, actor: Actor, project_id: int, kind: str, headers: list[str]
) -> dict | None:
    """The project's saved template for exactly this set of headers, or None."""
    require_project(db, actor, project_id, "kpi.import")
    _check_kind(kind)
    row = one(
        db,
        "SELECT * FROM import_templates WHERE project_id = ? AND kind = ? AND header_key = ?",
        [project_id, kind, layout_key(headers)],
    )
    return _decode(row) if row else None


def save_template(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    kind: str,
    headers: list[str],
    mapping: dict[str, str | None],
    options: dict[str, Any] | None = None,
    name: str | None = None,
) -> int:
    """Save (or replace) the template of this layout; return its id. `mapping` must name only
    headers of the layout."""
    require_project(db, actor, project_id, "kpi.import")
    _check_kind(kind)
    key = layout_key(headers)
    if not key:
        raise ValidationError.single("headers", "err.required")
    known = {normalise_header(h) for h in headers}
    if any(normalise_header(h) not in known for h in mapping):
        raise ValidationError.single("mapping", "err.invalid_choice")
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise ValidationError.single("name", "err.too_long", n=NAME_MAX)
    stamp = config.now_text()
    with write(db):
        old = one(
            db,
            "SELECT * FROM import_templates WHERE project_id = ? AND kind = ? AND header_key = ?",
            [project_id, kind, key],
        )
        values = {
            "headers": json.dumps([str(h) for h in headers], ensure_ascii=False),
            "mapping": json.dumps(mapping, ensure_ascii=False),
            "options": json.dumps(options or {}, ensure_ascii=False),
            "updated_at": stamp,
        }
        if old:
            if name:
                values["name"] = name
            db["import_templates"].update(old["id"], values)
            template_id = old["id"]
        else:
            count = one(
                db, "SELECT COUNT(*) AS n FROM import_templates WHERE project_id = ? AND kind = ?", [project_id, kind]
            )["n"]
            template_id = (
                db["import_templates"]
                .insert(
                    {
                        "project_id": project_id,
                        "kind": kind,
                        "name": name or f"{kind} #{count + 1}",
                        "header_key": key,
                        **values,
                        "created_by": actor.id,
                        "created_at": stamp,
                    }
                )
                .last_pk
            )
        audit.record(
            db, actor, "save", "import_template", template_id, _decode(old)["mapping"] if old else None, mapping
        )
    return int(template_id)


def list_templates(db: sqlite_utils.Database, actor: Actor, project_id: int, kind: str | None = None) -> list[dict]:
    """The project's templates (of one kind, or all), newest change first."""
    require_project(db, actor, project_id, "kpi.import")
    if kind is not None:
        _check_kind(kind)
        found = rows(
            db,
            "SELECT * FROM import_templates WHERE project_id = ? AND kind = ? ORDER BY updated_at DESC, id DESC",
            [project_id, kind],
        )
    else:
        found = rows(
            db, "SELECT * FROM import_templates WHERE project_id = ? ORDER BY updated_at DESC, id DESC", [project_id]
        )
    return [_decode(r) for r in found]


def _template(db: sqlite_utils.Database, actor: Actor, template_id: int) -> dict:
    row = one(db, "SELECT * FROM import_templates WHERE id = ?", [template_id])
    if row is None:
        raise NotFound(f"import_template {template_id}")
    require_project(db, actor, row["project_id"], "kpi.import")
    return row


def rename_template(db: sqlite_utils.Database, actor: Actor, template_id: int, name: str) -> None:
    """Give a template a name people recognise (e.g. "拼多多 客服绩效详情 新版")."""
    row = _template(db, actor, template_id)
    name = (name or "").strip()
    if not name:
        raise ValidationError.single("name", "err.required")
    if len(name) > NAME_MAX:
        raise ValidationError.single("name", "err.too_long", n=NAME_MAX)
    with write(db):
        db["import_templates"].update(template_id, {"name": name, "updated_at": config.now_text()})
        audit.record(db, actor, "rename", "import_template", template_id, {"name": row["name"]}, {"name": name})


def delete_template(db: sqlite_utils.Database, actor: Actor, template_id: int) -> None:
    """Forget a template: the next file of that layout is mapped from the profiles again."""
    row = _template(db, actor, template_id)
    with write(db):
        db["import_templates"].delete(template_id)
        audit.record(db, actor, "delete", "import_template", template_id, _decode(row)["mapping"], None)
