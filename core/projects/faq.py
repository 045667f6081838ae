"""The project's FAQ & scripts table (常见问题&话术), pre-filled with the standard questions.

The manager fills the answers, adds the shop's own questions, and round-trips the table through
Excel; an import either lands whole or not at all.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils

from core.kernel import audit, config, excel
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, require_project

STANDARD_QUESTIONS = (
    "能拍的都有货吗",
    "最大议价空间是多少",
    "非质量问题的换货可以承担一程运费吗",
    "质量问题可以先给顾客优惠处理吗、最多优惠多少",
    "发票(类别、寄出时间、补寄运费谁承担)",
    "收据(有无、能否与发票同寄)",
    "发货清单",
    "承诺",
    "发货后换快递",
    "好评返现(有无、方式:红包/减免)",
    "赠品(有无、可否多送)",
)
MAX_QUESTION = 200
MAX_ANSWER = 2000
EXPORT_COLUMNS = ("question", "answer")
IMPORT_HEADERS = {
    "question": "question",
    "问题": "question",
    "answer": "answer",
    "答案/话术": "answer",
    "答案": "answer",
    "话术": "answer",
}


def ensure_standard_questions(db: sqlite_utils.Database, project_id: int) -> None:
    """Add the standard questions the project does not have yet (at the top, in order)."""
    stamp = config.now_text()
    with write(db):
        existing = {
            r["question"] for r in db.query("SELECT question FROM faq_items WHERE project_id = ?", [project_id])
        }
        for position, question in enumerate(STANDARD_QUESTIONS, start=1):
            if question not in existing:
                db["faq_items"].insert(
                    {
                        "project_id": project_id,
                        "position": position,
                        "question": question,
                        "answer": "",
                        "is_standard": 1,
                        "updated_at": stamp,
                        "updated_by": None,
                    }
                )


def list_items(db: sqlite_utils.Database, actor: Actor, project_id: int, search: str = "") -> list[dict]:
    """The project's questions in order, optionally filtered by a search over both columns."""
    require_project(db, actor, project_id)
    like = f"%{search.strip()}%"
    return rows(
        db,
        """SELECT id, position, question, answer, is_standard, updated_at FROM faq_items
                       WHERE project_id = ? AND (question LIKE ? OR answer LIKE ?) ORDER BY position, id""",
        [project_id, like, like],
    )


def progress(db: sqlite_utils.Database, actor: Actor, project_id: int) -> tuple[int, int]:
    """(answered, total) questions of the project."""
    require_project(db, actor, project_id)
    row = one(
        db,
        "SELECT COUNT(*) AS total, SUM(CASE WHEN TRIM(answer) != '' THEN 1 ELSE 0 END) AS answered FROM faq_items "
        "WHERE project_id = ?",
        [project_id],
    )
    return int(row["answered"] or 0), int(row["total"] or 0)


def _item_errors(question: str, answer: str, field_prefix: str = "") -> list[FieldError]:
    errors = []
    if not question.strip():
        errors.append(FieldError(f"{field_prefix}question", "err.required"))
    elif len(question) > MAX_QUESTION:
        errors.append(FieldError(f"{field_prefix}question", "err.too_long", {"n": MAX_QUESTION}))
    if len(answer) > MAX_ANSWER:
        errors.append(FieldError(f"{field_prefix}answer", "err.too_long", {"n": MAX_ANSWER}))
    return errors


def save_items(db: sqlite_utils.Database, actor: Actor, project_id: int, items: list[dict]) -> int:
    """Apply the edited table: rows with an id are updated, rows without one are added.

    Rows the caller leaves out are kept (deleting is `delete_item`, asked for explicitly).
    Returns the number of rows changed. All or nothing.
    """
    require_project(db, actor, project_id, "faq.write")
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        question, answer = str(item.get("question") or "").strip(), str(item.get("answer") or "").strip()
        errors += _item_errors(question, answer, f"row {index}: ")
        if question in seen:
            errors.append(FieldError(f"row {index}: question", "err.duplicate"))
        seen.add(question)
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    changed = 0
    with write(db):
        current = {r["id"]: r for r in db.query("SELECT * FROM faq_items WHERE project_id = ?", [project_id])}
        by_question = {r["question"]: r for r in current.values()}
        next_position = max([r["position"] for r in current.values()] or [0]) + 1
        for item in items:
            question, answer = str(item.get("question") or "").strip(), str(item.get("answer") or "").strip()
            item_id = item.get("id")
            existing = (
                current.get(int(item_id))
                if item_id not in (None, "") and not pd.isna(item_id)
                else by_question.get(question)
            )
            if existing is None:
                db["faq_items"].insert(
                    {
                        "project_id": project_id,
                        "position": next_position,
                        "question": question,
                        "answer": answer,
                        "is_standard": 0,
                        "updated_at": stamp,
                        "updated_by": actor.id,
                    }
                )
                next_position += 1
                audit.record(
                    db, actor, "create", "faq_item", f"{project_id}", None, {"question": question, "answer": answer}
                )
                changed += 1
            elif (existing["question"], existing["answer"]) != (question, answer):
                clash = by_question.get(question)
                if clash and clash["id"] != existing["id"]:
                    raise ValidationError.single("question", "err.duplicate")
                db["faq_items"].update(
                    existing["id"],
                    {"question": question, "answer": answer, "updated_at": stamp, "updated_by": actor.id},
                )
                audit.record(
                    db,
                    actor,
                    "update",
                    "faq_item",
                    existing["id"],
                    {"question": existing["question"], "answer": existing["answer"]},
                    {"question": question, "answer": answer},
                )
                changed += 1
    return changed


def delete_item(db: sqlite_utils.Database, actor: Actor, project_id: int, item_id: int) -> None:
    """Remove one of the shop's own questions (standard questions stay)."""
    require_project(db, actor, project_id, "faq.write")
    row = one(db, "SELECT * FROM faq_items WHERE id = ? AND project_id = ?", [item_id, project_id])
    if row is None:
        raise NotFound(f"faq item {item_id}")
    if row["is_standard"]:
        raise ValidationError.single("question", "err.standard_question")
    with write(db):
        db.execute("DELETE FROM faq_items WHERE id = ?", [item_id])
        audit.record(db, actor, "delete", "faq_item", item_id, row, None)


def export_xlsx(
    db: sqlite_utils.Database, actor: Actor, project_id: int, headers: tuple[str, str] = ("问题", "答案/话术")
) -> bytes:
    """The table as an Excel file (question, answer) that `import_xlsx` reads back."""
    items = list_items(db, actor, project_id)
    frame = pd.DataFrame([[i["question"], i["answer"]] for i in items], columns=list(headers))
    return excel.to_xlsx({"FAQ": frame})


def parse_import(data: bytes, filename: str) -> list[dict]:
    """Read an FAQ file into items, or raise ValidationError naming the bad rows."""
    try:
        frame = excel.read_table(data, filename)
    except ValueError as exc:
        reason = exc.args[0] if exc.args else ""
        keys = {"empty": "err.file_empty", "type": "err.file_type_table", "encoding": "err.file_encoding"}
        raise ValidationError.single("file", keys.get(reason, "err.file_unreadable")) from None
    mapping = {c: IMPORT_HEADERS.get(c.lower(), IMPORT_HEADERS.get(c)) for c in frame.columns}
    if "question" not in mapping.values():
        raise ValidationError.single("file", "err.missing_columns", columns="问题/question")
    twice = [c for c in frame.columns if mapping[c] and list(mapping.values()).count(mapping[c]) > 1]
    if twice:  # two columns for one field: which one is meant cannot be told
        raise ValidationError.single("file", "err.duplicate_columns", columns="、".join(twice))
    frame = frame.rename(columns={c: m for c, m in mapping.items() if m})
    if "answer" not in frame.columns:
        frame["answer"] = ""
    items: list[dict] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(frame[["question", "answer"]].to_dict("records"), start=2):
        question, answer = str(record["question"]).strip(), str(record["answer"]).strip()
        if not question and not answer:
            continue
        errors += _item_errors(question, answer, f"row {index}: ")
        if question and question in seen:
            errors.append(FieldError(f"row {index}: question", "err.duplicate_of_row", {"row": seen[question]}))
        seen.setdefault(question, index)
        items.append({"question": question, "answer": answer})
    if errors:
        raise ValidationError(errors)
    return items


def import_xlsx(db: sqlite_utils.Database, actor: Actor, project_id: int, data: bytes, filename: str) -> int:
    """Import an FAQ file: answers of known questions updated, new questions added, all or nothing."""
    require_project(db, actor, project_id, "faq.write")
    return save_items(db, actor, project_id, parse_import(data, filename))
