"""Quick phrases (快捷短语): a project's numbered short replies with shortcut codes, grouped.

An agent types a shortcut such as `/fh` in the shop's chat tool to send the phrase for 发货时间; we
keep the project's set here, optimise it after each Monday meeting and send it back to the shop
backend through its bulk upload layout: one row per phrase with the columns group, shortcut, text
(分组, 快捷编码, 短语内容), as CSV or Excel. An import lands whole or not at all, naming every bad
row; exporting and importing again gives the same set.

Every change of a phrase is a dated version (edit, import, meeting decision, or made from a
memo's answer). QA inspectors and managers flag a phrase as wrong or outdated; a manager puts the
flag on the Monday meeting's rewrite list, and the meeting's decision rewrites the phrase (a new
dated version) and closes its flags.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

import pandas as pd
import sqlite_utils

from core.kb.articles import visible_clause
from core.kernel import audit, config, excel
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, project_row, require, require_project

MAX_TEXT = 500  # the shop backends refuse longer quick phrases
MAX_GROUP = 30
MAX_NOTE = 500
SHORTCUT = re.compile(r"^/[a-z0-9_]{1,20}$")
FLAG_REASONS = ("wrong", "outdated")
FLAG_STATUSES = ("open", "meeting", "resolved", "dismissed")
OPEN_FLAG_STATUSES = ("open", "meeting")
SOURCES = ("edit", "import", "meeting", "memo")
# the bulk upload layout of the shop backends: (column, header)
EXPORT_COLUMNS = (("group_name", "分组"), ("shortcut", "快捷编码"), ("text", "短语内容"))
IMPORT_HEADERS = {
    "分组": "group_name",
    "group": "group_name",
    "组": "group_name",
    "短语分组": "group_name",
    "快捷编码": "shortcut",
    "shortcut": "shortcut",
    "快捷码": "shortcut",
    "编码": "shortcut",
    "快捷键": "shortcut",
    "短语内容": "text",
    "text": "text",
    "内容": "text",
    "快捷短语": "text",
    "短语": "text",
}


def _now(now: datetime | None) -> str:
    return (now or config.now()).strftime("%Y-%m-%d %H:%M:%S")


def normalise_shortcut(value: Any) -> str:
    """A shortcut code as stored: trimmed, lower case, with its leading slash (`FH` → `/fh`)."""
    code = str(value or "").strip().lower()
    if code and not code.startswith("/"):
        code = "/" + code
    return code


def _clean(data: dict[str, Any], prefix: str = "") -> tuple[dict[str, str], list[FieldError]]:
    group = str(data.get("group_name") or "").strip()
    shortcut = normalise_shortcut(data.get("shortcut"))
    text = str(data.get("text") or "").strip()
    errors: list[FieldError] = []
    if len(group) > MAX_GROUP:
        errors.append(FieldError(f"{prefix}kb.group_name", "err.too_long", {"n": MAX_GROUP}))
    if not shortcut:
        errors.append(FieldError(f"{prefix}kb.shortcut", "err.required"))
    elif not SHORTCUT.match(shortcut):
        errors.append(FieldError(f"{prefix}kb.shortcut", "err.kb.shortcut_format"))
    if not text:
        errors.append(FieldError(f"{prefix}kb.text", "err.required"))
    elif len(text) > MAX_TEXT:
        errors.append(FieldError(f"{prefix}kb.text", "err.too_long", {"n": MAX_TEXT}))
    return {"group_name": group, "shortcut": shortcut, "text": text}, errors


def _version(
    db: sqlite_utils.Database,
    phrase_id: int,
    version: int,
    record: dict,
    active: int,
    source: str,
    note: str,
    stamp: str,
    actor: Actor | None,
) -> None:
    db["kb_phrase_versions"].insert(
        {
            "phrase_id": phrase_id,
            "version": version,
            "group_name": record["group_name"],
            "shortcut": record["shortcut"],
            "text": record["text"],
            "active": active,
            "source": source,
            "note": note,
            "changed_at": stamp,
            "changed_by": actor.id if actor else None,
        }
    )


def _shortcut_taken(db: sqlite_utils.Database, project_id: int, shortcut: str, phrase_id: int | None) -> bool:
    clash = one(
        db, "SELECT id FROM kb_phrases WHERE project_id = ? AND shortcut = ? AND active = 1", [project_id, shortcut]
    )
    return clash is not None and clash["id"] != phrase_id


def _insert(
    db: sqlite_utils.Database, actor: Actor, project_id: int, record: dict, source: str, note: str, stamp: str
) -> int:
    number = one(db, "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM kb_phrases WHERE project_id = ?", [project_id])["n"]
    row = {
        "project_id": project_id,
        "number": number,
        **record,
        "active": 1,
        "version": 1,
        "created_at": stamp,
        "created_by": actor.id,
        "updated_at": stamp,
        "updated_by": actor.id,
    }
    phrase_id = int(db["kb_phrases"].insert(row).last_pk)
    _version(db, phrase_id, 1, record, 1, source, note, stamp, actor)
    audit.record(db, actor, "create", "kb_phrase", phrase_id, None, row)
    return phrase_id


def create_phrase(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    data: dict[str, Any],
    source: str = "edit",
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Add a phrase under the project's next number; the shortcut must be free in the project."""
    require_project(db, actor, project_id, "phrase.write")
    record, errors = _clean(data)
    if not errors and _shortcut_taken(db, project_id, record["shortcut"], None):
        errors.append(FieldError("kb.shortcut", "err.kb.shortcut_taken", {"shortcut": record["shortcut"]}))
    if errors:
        raise ValidationError(errors)
    with write(db):
        return _insert(db, actor, project_id, record, source, note.strip()[:MAX_NOTE], _now(now))


def _phrase_row(db: sqlite_utils.Database, actor: Actor, phrase_id: int, action: str = "phrase.read") -> dict:
    return project_row(db, actor, "kb_phrases", phrase_id, "phrase.read", action, "phrase")


def _change(
    db: sqlite_utils.Database, actor: Actor, before: dict, record: dict, active: int, source: str, note: str, stamp: str
) -> int:
    version = before["version"] + 1
    changes = {**record, "active": active, "version": version, "updated_at": stamp, "updated_by": actor.id}
    db["kb_phrases"].update(before["id"], changes)
    _version(db, before["id"], version, record, active, source, note, stamp, actor)
    audit.record(
        db,
        actor,
        "update",
        "kb_phrase",
        before["id"],
        {k: before[k] for k in ("group_name", "shortcut", "text", "active")},
        {**record, "active": active, "source": source},
    )
    return version


def update_phrase(
    db: sqlite_utils.Database,
    actor: Actor,
    phrase_id: int,
    data: dict[str, Any],
    note: str = "",
    source: str = "edit",
    now: datetime | None = None,
) -> int | None:
    """Edit a phrase as a new dated version; None when nothing changed. Missing keys keep their value."""
    before = _phrase_row(db, actor, phrase_id, "phrase.write")
    if not before["active"]:
        raise ValidationError.single("kb.text", "err.kb.phrase_removed")
    record, errors = _clean({**before, **data})
    if not errors and _shortcut_taken(db, before["project_id"], record["shortcut"], phrase_id):
        errors.append(FieldError("kb.shortcut", "err.kb.shortcut_taken", {"shortcut": record["shortcut"]}))
    if len(note) > MAX_NOTE:
        errors.append(FieldError("kb.note", "err.too_long", {"n": MAX_NOTE}))
    if errors:
        raise ValidationError(errors)
    if all(record[k] == before[k] for k in record):
        return None
    with write(db):
        return _change(db, actor, before, record, 1, source, note.strip(), _now(now))


def remove_phrase(db: sqlite_utils.Database, actor: Actor, phrase_id: int, now: datetime | None = None) -> None:
    """Take a phrase out of the set (its number and history stay; its shortcut becomes free)."""
    before = _phrase_row(db, actor, phrase_id, "phrase.write")
    if not before["active"]:
        return
    record = {k: before[k] for k in ("group_name", "shortcut", "text")}
    with write(db):
        _change(db, actor, before, record, 0, "edit", "", _now(now))


def get_phrase(db: sqlite_utils.Database, actor: Actor, phrase_id: int) -> dict:
    """One phrase (active or removed) of a project the actor may read."""
    return _phrase_row(db, actor, phrase_id)


def list_phrases(
    db: sqlite_utils.Database, actor: Actor, project_id: int, search: str = "", group: str | None = None
) -> list[dict]:
    """The project's active phrases in number order, with their open flag count, filtered by text and group."""
    require_project(db, actor, project_id, "phrase.read")
    where, params = ["p.project_id = ?", "p.active = 1"], [project_id]
    if search.strip():
        like = f"%{search.strip()}%"
        where.append("(p.text LIKE ? OR p.shortcut LIKE ? OR p.group_name LIKE ?)")
        params += [like, like, like]
    if group is not None:
        where.append("p.group_name = ?")
        params.append(group)
    return rows(
        db,
        f"""SELECT p.*, u.display_name AS editor_name,
                               (SELECT COUNT(*) FROM kb_phrase_flags f WHERE f.phrase_id = p.id AND f.status IN """
        f"""('open','meeting')) AS open_flags
                        FROM kb_phrases p LEFT JOIN users u ON u.id = p.updated_by
                        WHERE {" AND ".join(where)} ORDER BY p.number""",
        params,
    )


def groups(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[str]:
    """The project's phrase groups in the order of their first phrase."""
    require_project(db, actor, project_id, "phrase.read")
    return [
        r["group_name"]
        for r in db.query(
            """SELECT group_name, MIN(number) AS first FROM kb_phrases
                                                 WHERE project_id = ? AND active = 1 GROUP BY group_name ORDER BY """
            """first""",
            [project_id],
        )
    ]


def history(db: sqlite_utils.Database, actor: Actor, phrase_id: int) -> list[dict]:
    """Every version of a phrase, newest first, dated, with who changed it and why."""
    _phrase_row(db, actor, phrase_id)
    return rows(
        db,
        """SELECT v.*, u.display_name AS editor_name FROM kb_phrase_versions v LEFT JOIN users u ON u.id = v.changed_by
                       WHERE v.phrase_id = ? ORDER BY v.version DESC""",
        [phrase_id],
    )


def recent_changes(db: sqlite_utils.Database, actor: Actor, project_id: int, since: str) -> list[dict]:
    """Phrase versions saved since a time ('YYYY-MM-DD HH:MM:SS'), newest first: the optimised set to upload."""
    require_project(db, actor, project_id, "phrase.read")
    return rows(
        db,
        """SELECT v.*, p.number, u.display_name AS editor_name FROM kb_phrase_versions v
                       JOIN kb_phrases p ON p.id = v.phrase_id LEFT JOIN users u ON u.id = v.changed_by
                       WHERE p.project_id = ? AND v.changed_at >= ? ORDER BY v.changed_at DESC, v.id DESC""",
        [project_id, since],
    )


# --- import / export ---------------------------------------------------------------------------


def export_frame(db: sqlite_utils.Database, actor: Actor, project_id: int) -> pd.DataFrame:
    """The active set in the bulk upload layout (分组, 快捷编码, 短语内容), in number order."""
    found = list_phrases(db, actor, project_id)
    return pd.DataFrame([[p[c] for c, _ in EXPORT_COLUMNS] for p in found], columns=[h for _, h in EXPORT_COLUMNS])


def export_xlsx(db: sqlite_utils.Database, actor: Actor, project_id: int) -> bytes:
    """The set as an Excel file for the backend's bulk upload (and for `import_file`)."""
    return excel.to_xlsx({"快捷短语": export_frame(db, actor, project_id)})


def export_csv(db: sqlite_utils.Database, actor: Actor, project_id: int) -> bytes:
    """The set as a UTF-8 CSV (with BOM, so Excel reads the Chinese); formula-like cells escaped as in Excel exports."""
    frame = export_frame(db, actor, project_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for record in frame.itertuples(index=False):
        writer.writerow([excel.escape_cell(v) for v in record])
    return buffer.getvalue().encode("utf-8-sig")


def parse_import(data: bytes, filename: str) -> list[dict[str, str]]:
    """Read a bulk file into phrases, or raise ValidationError naming every bad row (nothing is saved).

    Rows are numbered as a spreadsheet shows them (the header is row 1). Blank rows are skipped.
    """
    try:
        frame = excel.read_table(data, filename)
    except ValueError as exc:
        reason = exc.args[0] if exc.args else ""
        keys = {"empty": "err.file_empty", "type": "err.file_type_table", "encoding": "err.file_encoding"}
        raise ValidationError.single("file", keys.get(reason, "err.file_unreadable")) from None
    mapping = {c: IMPORT_HEADERS.get(c.strip().lower(), IMPORT_HEADERS.get(c.strip())) for c in frame.columns}
    missing = [h for c, h in EXPORT_COLUMNS if c not in mapping.values() and c != "group_name"]
    if missing:
        raise ValidationError.single("file", "err.missing_columns", columns="、".join(missing))
    twice = [c for c in frame.columns if mapping[c] and list(mapping.values()).count(mapping[c]) > 1]
    if twice:  # two columns for one field: which one is meant cannot be told
        raise ValidationError.single("file", "err.duplicate_columns", columns="、".join(twice))
    frame = frame.rename(columns={c: m for c, m in mapping.items() if m})
    if "group_name" not in frame.columns:
        frame["group_name"] = ""
    items: list[dict[str, str]] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(frame[["group_name", "shortcut", "text"]].to_dict("records"), start=2):
        if not any(str(v or "").strip() for v in record.values()):
            continue
        clean, row_errors = _clean(record, f"row {index}: ")
        errors += row_errors
        if clean["shortcut"] and clean["shortcut"] in seen:
            errors.append(
                FieldError(f"row {index}: kb.shortcut", "err.duplicate_of_row", {"row": seen[clean["shortcut"]]})
            )
        seen.setdefault(clean["shortcut"], index)
        items.append(clean)
    if errors:
        raise ValidationError(errors)
    if not items:
        raise ValidationError.single("file", "err.file_empty")
    return items


def import_file(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    data: bytes,
    filename: str,
    replace: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Import a bulk file, keyed on the shortcut: known shortcuts are updated, new ones added (in file order).

    With `replace`, phrases whose shortcut is not in the file are removed, so the project's set
    becomes exactly the file's. All or nothing. Returns counts: added, updated, unchanged, removed.
    """
    require_project(db, actor, project_id, "phrase.write")
    items = parse_import(data, filename)
    stamp = _now(now)
    counts = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}
    with write(db):
        current = {
            r["shortcut"]: r
            for r in db.query("SELECT * FROM kb_phrases WHERE project_id = ? AND active = 1", [project_id])
        }
        for item in items:
            existing = current.get(item["shortcut"])
            if existing is None:
                _insert(db, actor, project_id, item, "import", filename[:MAX_NOTE], stamp)
                counts["added"] += 1
            elif all(existing[k] == item[k] for k in item):
                counts["unchanged"] += 1
            else:
                _change(db, actor, existing, item, 1, "import", filename[:MAX_NOTE], stamp)
                counts["updated"] += 1
        if replace:
            wanted = {i["shortcut"] for i in items}
            for shortcut, existing in current.items():
                if shortcut not in wanted:
                    _change(
                        db,
                        actor,
                        existing,
                        {k: existing[k] for k in ("group_name", "shortcut", "text")},
                        0,
                        "import",
                        filename[:MAX_NOTE],
                        stamp,
                    )
                    counts["removed"] += 1
        audit.record(
            db, actor, "import", "kb_phrase", project_id, None, {"file": filename, "replace": replace, **counts}
        )
    return counts


# --- QA flags and the Monday meeting's rewrites -----------------------------------------------------


def flag(
    db: sqlite_utils.Database, actor: Actor, phrase_id: int, reason: str, note: str = "", now: datetime | None = None
) -> int:
    """A QA inspector or manager marks a phrase wrong or outdated, with a note of what is wrong."""
    phrase = _phrase_row(db, actor, phrase_id, "phrase.flag")
    errors = []
    if reason not in FLAG_REASONS:
        errors.append(FieldError("kb.reason", "err.invalid_choice"))
    if not note.strip():
        errors.append(FieldError("kb.flag_note", "err.required"))
    elif len(note) > MAX_NOTE:
        errors.append(FieldError("kb.flag_note", "err.too_long", {"n": MAX_NOTE}))
    if not phrase["active"]:
        errors.append(FieldError("kb.text", "err.kb.phrase_removed"))
    if errors:
        raise ValidationError(errors)
    record = {
        "phrase_id": phrase_id,
        "reason": reason,
        "note": note.strip(),
        "status": "open",
        "flagged_by": actor.id,
        "flagged_at": _now(now),
    }
    with write(db):
        flag_id = int(db["kb_phrase_flags"].insert(record).last_pk)
        audit.record(db, actor, "create", "kb_phrase_flag", flag_id, None, record)
    return flag_id


def _flag_row(db: sqlite_utils.Database, actor: Actor, flag_id: int, action: str) -> dict:
    row = one(db, "SELECT * FROM kb_phrase_flags WHERE id = ?", [flag_id])
    if row is None:
        raise NotFound(f"phrase flag {flag_id}")
    _phrase_row(db, actor, row["phrase_id"], action)
    return row


def _set_flag(db: sqlite_utils.Database, actor: Actor, row: dict, changes: dict) -> None:
    db["kb_phrase_flags"].update(row["id"], changes)
    audit.record(db, actor, "update", "kb_phrase_flag", row["id"], {k: row[k] for k in changes}, changes)


def put_on_meeting_list(db: sqlite_utils.Database, actor: Actor, flag_id: int, now: datetime | None = None) -> None:
    """A manager puts an open flag on the Monday meeting's list of phrases to rewrite."""
    row = _flag_row(db, actor, flag_id, "phrase.decide")
    if row["status"] != "open":
        raise ValidationError.single("kb.flag", "err.kb.flag_not_open")
    with write(db):
        _set_flag(db, actor, row, {"status": "meeting", "listed_at": _now(now)})


def dismiss_flag(db: sqlite_utils.Database, actor: Actor, flag_id: int, note: str, now: datetime | None = None) -> None:
    """The phrase is right after all: the flag is closed with the reason why, the phrase unchanged."""
    row = _flag_row(db, actor, flag_id, "phrase.decide")
    if row["status"] not in OPEN_FLAG_STATUSES:
        raise ValidationError.single("kb.flag", "err.kb.flag_not_open")
    if not note.strip():
        raise ValidationError.single("kb.resolution", "err.required")
    with write(db):
        _set_flag(
            db,
            actor,
            row,
            {
                "status": "dismissed",
                "resolved_by": actor.id,
                "resolved_at": _now(now),
                "resolution": note.strip()[:MAX_NOTE],
            },
        )


def apply_decision(
    db: sqlite_utils.Database,
    actor: Actor,
    phrase_id: int,
    data: dict[str, Any],
    note: str,
    now: datetime | None = None,
) -> int:
    """The meeting's decision: the phrase is rewritten as a dated version and its open flags are resolved.

    `data` holds the new text (and group or shortcut when they change too); `note` the decision.
    Returns the new version number.
    """
    before = _phrase_row(db, actor, phrase_id, "phrase.decide")
    require_project(db, actor, before["project_id"], "phrase.write")
    if not note.strip():
        raise ValidationError.single("kb.resolution", "err.required")
    record, errors = _clean({**before, **data})
    if not errors and _shortcut_taken(db, before["project_id"], record["shortcut"], phrase_id):
        errors.append(FieldError("kb.shortcut", "err.kb.shortcut_taken", {"shortcut": record["shortcut"]}))
    if not errors and all(record[k] == before[k] for k in record):
        errors.append(FieldError("kb.text", "err.kb.unchanged"))
    if errors:
        raise ValidationError(errors)
    stamp = _now(now)
    with write(db):
        version = _change(db, actor, before, record, 1, "meeting", note.strip()[:MAX_NOTE], stamp)
        for row in rows(
            db, "SELECT * FROM kb_phrase_flags WHERE phrase_id = ? AND status IN ('open','meeting')", [phrase_id]
        ):
            _set_flag(
                db,
                actor,
                row,
                {
                    "status": "resolved",
                    "resolved_by": actor.id,
                    "resolved_at": stamp,
                    "resolution": note.strip()[:MAX_NOTE],
                    "resolved_version": version,
                },
            )
    return version


def flags(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None = None, statuses: tuple[str, ...] | None = None
) -> list[dict]:
    """Flags of the phrases the actor may read, newest first, with the phrase and who flagged it."""
    require(actor, "phrase.read")
    clause, params = visible_clause(db, actor, "p.project_id")
    where = [clause]
    if project_id is not None:
        require_project(db, actor, project_id, "phrase.read")
        where.append("p.project_id = ?")
        params.append(project_id)
    if statuses:
        where.append(f"f.status IN ({','.join('?' * len(statuses))})")
        params += list(statuses)
    return rows(
        db,
        f"""SELECT f.*, p.project_id, p.number, p.shortcut, p.group_name, p.text, p.version AS phrase_version,
                               u.display_name AS flagged_by_name, r.display_name AS resolved_by_name,
                               pr.name AS project_name, m.name AS merchant_name
                        FROM kb_phrase_flags f JOIN kb_phrases p ON p.id = f.phrase_id
                        JOIN projects pr ON pr.id = p.project_id JOIN merchants m ON m.id = pr.merchant_id
                        LEFT JOIN users u ON u.id = f.flagged_by LEFT JOIN users r ON r.id = f.resolved_by
                        WHERE {" AND ".join(where)} ORDER BY f.flagged_at DESC, f.id DESC""",
        params,
    )


def rewrite_list(db: sqlite_utils.Database, actor: Actor, project_id: int | None = None) -> list[dict]:
    """The Monday meeting's list of phrases to rewrite: flags a manager put on it, oldest first."""
    found = flags(db, actor, project_id, ("meeting",))
    return sorted(found, key=lambda f: (f["listed_at"] or "", f["id"]))


def flag_summary(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """Per phrase that was ever flagged: how often as wrong and as outdated, how many are still open,
    and when it last changed — the usage view of which phrases QA finds fault with."""
    require_project(db, actor, project_id, "phrase.read")
    return rows(
        db,
        """SELECT p.id, p.number, p.shortcut, p.group_name, p.text, p.updated_at, p.active,
                              SUM(f.reason = 'wrong') AS wrong, SUM(f.reason = 'outdated') AS outdated,
                              SUM(f.status IN ('open','meeting')) AS still_open, SUM(f.status = 'meeting') AS """
        """on_meeting_list
                       FROM kb_phrase_flags f JOIN kb_phrases p ON p.id = f.phrase_id
                       WHERE p.project_id = ? GROUP BY p.id ORDER BY still_open DESC, COUNT(*) DESC, p.number""",
        [project_id],
    )
