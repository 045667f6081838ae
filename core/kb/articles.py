"""The knowledge base (知识库): a project's articles, their versions, review dates, comments, and search.

What agents answer with lives here. An article has a title, a category, tags, a Markdown body, the
products/SKUs it concerns, an owner and a "review by" date. Every save keeps the state it replaces
(`kb_article_versions` holds every version, the current one included), so "what changed this week"
and "what did it say before" are queries, not reconstructions. An article past its review date is
flagged to its owner until the owner marks it reviewed (or edits it with a new date).

Search covers three sources in one index (`kb_search`, see core.kb.schema): articles, the project's
FAQ & scripts table of the foundation (`faq_items`, indexed where it lives, not copied) and quick
phrases. The index uses SQLite's `trigram` tokenizer, which matches any substring of three
characters or more, Chinese included, and ranks with bm25 (title weighs most). Terms of one or two
characters (发货, 尺码: most Chinese words) cannot be looked up in a trigram index, so they are
matched by a scan of the same table and ranked by a weighted count of occurrences. When few entries
hold every term, a query such as 怎么开发票 is relaxed to its two-character pieces and the entries
holding most of them follow as related results.

Merchants read and comment on their own projects' articles only; agents read their projects'.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.kb.schema import ARTICLE_OFFSET, FAQ_OFFSET, PHRASE_OFFSET, ROWID_STRIDE
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import STAFF_ROLES, Actor, can, project_row, require, require_project, visible_project_ids

CATEGORIES = ("product", "platform_rules", "promotions", "logistics", "after_sales", "policy", "faq")
OWNER_ROLES = STAFF_ROLES
KINDS = ("article", "faq", "phrase")
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_TAGS = 200
MAX_SKUS = 500
MAX_NOTE = 200
MAX_COMMENT = 2000
MAX_QUERY = 100
REVIEW_DAYS = 90  # a new article is due for review this many days after it is written
SEARCH_LIMIT = 20
RELATED_FILL = 5  # fewer exact hits than this: related ones (most of the words' pieces) fill up to it
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 90
# bm25 weights of the index columns (title, body, tags + SKUs): a hit in the title says most
BM25_WEIGHTS = (10.0, 1.0, 5.0)
# the scan for short terms: weight of one occurrence per column, and a cap on body occurrences so
# that a long article that repeats a word does not outrank the one titled with it
SHORT_WEIGHTS = (10, 1, 5)
SHORT_BODY_CAP = 5
# two-character pieces too common to say anything about what the agent is looking for
STOP_PIECES = frozenset(
    {
        "怎么",
        "什么",
        "如何",
        "可以",
        "能不",
        "不能",
        "请问",
        "一下",
        "这个",
        "那个",
        "是不",
        "不是",
        "有没",
        "没有",
        "为什",
        "么时",
        "多少",
        "哪里",
        "吗？",
        "的话",
        "我的",
        "你们",
        "我们",
    }
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_LINE_MARK = re.compile(r"^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"\*\*|__|`+")
# characters Markdown (and Streamlit's extensions: $ maths, :colour[] directives) would interpret
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|~$:<>&\"'")


# --- helpers ------------------------------------------------------------------------------------


def _now(now: datetime | None) -> str:
    return (now or config.now()).strftime("%Y-%m-%d %H:%M:%S")


def _today(today: date | None) -> date:
    return today or config.today()


def visible_clause(db: sqlite_utils.Database, actor: Actor, column: str) -> tuple[str, list]:
    """A WHERE fragment limiting `column` (a project id) to the projects the actor may see."""
    visible = visible_project_ids(db, actor)
    if visible is None:
        return "1=1", []
    if not visible:
        return "0=1", []
    return f"{column} IN ({','.join('?' * len(visible))})", sorted(visible)


def projects(db: sqlite_utils.Database, actor: Actor, action: str = "kb.read") -> list[dict]:
    """The projects whose knowledge the actor may read (agents: those whose team they are on), live first."""
    require(actor, action)
    clause, params = visible_clause(db, actor, "p.id")
    return rows(
        db,
        f"""SELECT p.id, p.name, p.platform, p.status, m.name AS merchant_name
                        FROM projects p JOIN merchants m ON m.id = p.merchant_id WHERE {clause}
                        ORDER BY p.status != 'live', m.name, p.name""",
        params,
    )


def owners(db: sqlite_utils.Database) -> list[dict]:
    """Active staff who can own an article (and answer for its review date)."""
    marks = ",".join("?" * len(OWNER_ROLES))
    return rows(
        db,
        f"SELECT id, display_name, role FROM users WHERE active = 1 AND role IN ({marks}) ORDER BY display_name",
        list(OWNER_ROLES),
    )


def normalise_tags(value: str | list[str] | None) -> str:
    """Tags as one comma-separated text: split on commas (either width) or spaces, de-duplicated, in order."""
    parts = value if isinstance(value, list) else re.split(r"[,，、;；\s]+", str(value or ""))
    seen: list[str] = []
    for part in parts:
        tag = str(part).strip()
        if tag and tag not in seen:
            seen.append(tag)
    return ",".join(seen)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# --- articles ------------------------------------------------------------------------------------


def _clean(
    db: sqlite_utils.Database, project_id: int, data: dict[str, Any], today: date
) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    title = str(data.get("title") or "").strip()
    body = str(data.get("body") or "").strip()
    tags = normalise_tags(data.get("tags"))
    skus = normalise_tags(data.get("skus"))
    if not title:
        errors.append(FieldError("kb.title", "err.required"))
    elif len(title) > MAX_TITLE:
        errors.append(FieldError("kb.title", "err.too_long", {"n": MAX_TITLE}))
    if data.get("category") not in CATEGORIES:
        errors.append(FieldError("kb.category", "err.invalid_choice"))
    if not body:
        errors.append(FieldError("kb.body", "err.required"))
    elif len(body) > MAX_BODY:
        errors.append(FieldError("kb.body", "err.too_long", {"n": MAX_BODY}))
    if len(tags) > MAX_TAGS:
        errors.append(FieldError("kb.tags", "err.too_long", {"n": MAX_TAGS}))
    if len(skus) > MAX_SKUS:
        errors.append(FieldError("kb.skus", "err.too_long", {"n": MAX_SKUS}))
    owner_id = data.get("owner_id")
    if owner_id is not None:
        marks = ",".join("?" * len(OWNER_ROLES))
        if not one(
            db, f"SELECT id FROM users WHERE id = ? AND active = 1 AND role IN ({marks})", [owner_id, *OWNER_ROLES]
        ):
            errors.append(FieldError("kb.owner_id", "err.invalid_choice"))
    try:
        review_by = _as_date(data.get("review_by")) or today + timedelta(days=REVIEW_DAYS)
    except ValueError:
        errors.append(FieldError("kb.review_by", "err.invalid_value"))
        review_by = None
    material_id = data.get("source_material_id")
    if material_id is not None and not one(
        db, "SELECT id FROM training_materials WHERE id = ? AND project_id = ?", [material_id, project_id]
    ):
        errors.append(FieldError("kb.source_material_id", "err.invalid_choice"))
    clean = {
        "title": title,
        "category": data.get("category"),
        "tags": tags,
        "body": body,
        "skus": skus,
        "owner_id": owner_id,
        "review_by": review_by.isoformat() if review_by else None,
        "source_material_id": material_id,
    }
    return clean, errors


VERSIONED_FIELDS = ("title", "category", "tags", "body", "skus", "owner_id", "review_by")


def _snapshot(
    db: sqlite_utils.Database, article_id: int, version: int, record: dict, note: str, stamp: str, actor: Actor | None
) -> None:
    db["kb_article_versions"].insert(
        {
            "article_id": article_id,
            "version": version,
            **{k: record[k] for k in VERSIONED_FIELDS},
            "note": note,
            "edited_at": stamp,
            "edited_by": actor.id if actor else None,
        }
    )


def create_article(
    db: sqlite_utils.Database, actor: Actor, project_id: int, data: dict[str, Any], now: datetime | None = None
) -> int:
    """Write a new article (version 1); the owner defaults to the writer, the review date to 90 days on."""
    require_project(db, actor, project_id, "kb.write")
    stamp = _now(now)
    data = {**data, "owner_id": data.get("owner_id") or actor.id}
    record, errors = _clean(db, project_id, data, _today(now.date() if now else None))
    if errors:
        raise ValidationError(errors)
    note = str(data.get("note") or "").strip()[:MAX_NOTE]
    row = {
        "project_id": project_id,
        **record,
        "status": "active",
        "version": 1,
        "created_at": stamp,
        "created_by": actor.id,
        "updated_at": stamp,
        "updated_by": actor.id,
    }
    with write(db):
        article_id = int(db["kb_articles"].insert(row).last_pk)
        _snapshot(db, article_id, 1, record, note, stamp, actor)
        audit.record(db, actor, "create", "kb_article", article_id, None, row)
    return article_id


def _article_row(db: sqlite_utils.Database, actor: Actor, article_id: int, action: str = "kb.read") -> dict:
    """The stored row, or NotFound when it does not exist or the actor may not see its project."""
    return project_row(db, actor, "kb_articles", article_id, "kb.read", action, "kb article")


def update_article(
    db: sqlite_utils.Database,
    actor: Actor,
    article_id: int,
    data: dict[str, Any],
    note: str = "",
    now: datetime | None = None,
) -> int | None:
    """Save an edit as a new version (the old text stays in the history); None when nothing changed.

    Keys missing from `data` keep their current value.
    """
    before = _article_row(db, actor, article_id, "kb.write")
    if before["status"] != "active":
        raise ValidationError.single("kb.status", "err.kb.archived")
    merged = {**{k: before[k] for k in (*VERSIONED_FIELDS, "source_material_id")}, **data}
    record, errors = _clean(db, before["project_id"], merged, _today(now.date() if now else None))
    if len(note) > MAX_NOTE:
        errors.append(FieldError("kb.note", "err.too_long", {"n": MAX_NOTE}))
    if errors:
        raise ValidationError(errors)
    if all(record[k] == before[k] for k in record):
        return None
    stamp = _now(now)
    version = before["version"] + 1
    changes = {**record, "version": version, "updated_at": stamp, "updated_by": actor.id}
    with write(db):
        db["kb_articles"].update(article_id, changes)
        _snapshot(db, article_id, version, record, note.strip(), stamp, actor)
        audit.record(db, actor, "update", "kb_article", article_id, {k: before[k] for k in record}, record)
    return version


def archive_article(db: sqlite_utils.Database, actor: Actor, article_id: int) -> None:
    """Take an article out of the knowledge base (it leaves search; its versions are kept)."""
    before = _article_row(db, actor, article_id, "kb.write")
    with write(db):
        db["kb_articles"].update(
            article_id, {"status": "archived", "updated_at": config.now_text(), "updated_by": actor.id}
        )
        audit.record(
            db, actor, "archive", "kb_article", article_id, {"status": before["status"]}, {"status": "archived"}
        )


def mark_reviewed(
    db: sqlite_utils.Database,
    actor: Actor,
    article_id: int,
    next_review: date | None = None,
    now: datetime | None = None,
) -> None:
    """The owner (or an editor) confirms the article is still right; the next review date moves on.

    The text does not change, so no version is written; the confirmation is dated and audited.
    """
    row = _article_row(db, actor, article_id)
    if row["owner_id"] != actor.id:  # the owner may always confirm; anyone else needs to be an editor
        require_project(db, actor, row["project_id"], "kb.write")
    today = _today(now.date() if now else None)
    next_review = next_review or today + timedelta(days=REVIEW_DAYS)
    if next_review <= today:
        raise ValidationError.single("kb.review_by", "err.kb.review_in_future")
    stamp = _now(now)
    with write(db):
        db["kb_articles"].update(article_id, {"review_by": next_review.isoformat(), "reviewed_at": stamp})
        audit.record(
            db,
            actor,
            "review",
            "kb_article",
            article_id,
            {"review_by": row["review_by"]},
            {"review_by": next_review.isoformat(), "reviewed_at": stamp},
        )


_ARTICLE_SELECT = """SELECT a.*, u.display_name AS owner_name, e.display_name AS editor_name, p.name AS project_name,
                            m.name AS merchant_name, tm.title AS source_material_title
                     FROM kb_articles a JOIN projects p ON p.id = a.project_id JOIN merchants m ON m.id = p.merchant_id
                     LEFT JOIN users u ON u.id = a.owner_id LEFT JOIN users e ON e.id = a.updated_by
                     LEFT JOIN training_materials tm ON tm.id = a.source_material_id"""


def _flag_overdue(article: dict, today: date) -> dict:
    article["overdue"] = bool(
        article["status"] == "active" and article["review_by"] and article["review_by"] < today.isoformat()
    )
    return article


def get_article(db: sqlite_utils.Database, actor: Actor, article_id: int, today: date | None = None) -> dict:
    """One article with its owner's and editor's names and whether it is past its review date."""
    _article_row(db, actor, article_id)
    return _flag_overdue(one(db, f"{_ARTICLE_SELECT} WHERE a.id = ?", [article_id]), _today(today))


def list_articles(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    search: str = "",
    category: str | None = None,
    owner_id: int | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[dict]:
    """The active articles the actor may read, by category and title, filtered for the list page."""
    require(actor, "kb.read")
    today = _today(today)
    clause, params = visible_clause(db, actor, "a.project_id")
    where = ["a.status = 'active'", clause]
    if project_id is not None:
        require_project(db, actor, project_id, "kb.read")
        where.append("a.project_id = ?")
        params.append(project_id)
    if search.strip():
        like = f"%{search.strip()}%"
        where.append("(a.title LIKE ? OR a.tags LIKE ? OR a.skus LIKE ? OR a.body LIKE ?)")
        params += [like] * 4
    if category:
        where.append("a.category = ?")
        params.append(category)
    if owner_id is not None:
        where.append("a.owner_id = ?")
        params.append(owner_id)
    if overdue_only:
        where.append("a.review_by < ?")
        params.append(today.isoformat())
    found = rows(db, f"{_ARTICLE_SELECT} WHERE {' AND '.join(where)} ORDER BY a.category, a.title", params)
    return [_flag_overdue(a, today) for a in found]


def overdue(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    owner_id: int | None = None,
    today: date | None = None,
) -> list[dict]:
    """Articles past their review date, oldest date first (for the page's list and the owners' flags)."""
    found = list_articles(db, actor, project_id=project_id, owner_id=owner_id, overdue_only=True, today=today)
    return sorted(found, key=lambda a: (a["review_by"], a["id"]))


def my_overdue(db: sqlite_utils.Database, actor: Actor, today: date | None = None) -> list[dict]:
    """The flag shown to an owner: their own articles past the review date."""
    if not can(actor, "kb.read"):
        return []
    return overdue(db, actor, owner_id=actor.id, today=today)


def versions(db: sqlite_utils.Database, actor: Actor, article_id: int) -> list[dict]:
    """Every saved version of an article, newest first, with who saved it and the note."""
    _article_row(db, actor, article_id)
    return rows(
        db,
        """SELECT v.*, u.display_name AS editor_name, o.display_name AS owner_name
                       FROM kb_article_versions v LEFT JOIN users u ON u.id = v.edited_by LEFT JOIN users o ON o.id """
        """= v.owner_id
                       WHERE v.article_id = ? ORDER BY v.version DESC""",
        [article_id],
    )


def diff(db: sqlite_utils.Database, actor: Actor, article_id: int, old: int, new: int) -> dict[str, Any]:
    """What changed between two versions: the changed fields and a line diff of the body.

    `body` is a list of (op, line) with op ' ' (kept), '-' (removed) or '+' (added).
    """
    by_number = {v["version"]: v for v in versions(db, actor, article_id)}
    if old not in by_number or new not in by_number:
        raise NotFound(f"kb article {article_id} version")
    a, b = by_number[old], by_number[new]
    shown = {"owner_id": "owner_name"}  # a person is shown by name, not by id
    fields = [
        {"field": k, "old": a[shown.get(k, k)], "new": b[shown.get(k, k)]}
        for k in VERSIONED_FIELDS
        if k != "body" and a[k] != b[k]
    ]
    lines = []
    for line in difflib.ndiff(a["body"].splitlines(), b["body"].splitlines()):
        if line[:1] in (" ", "-", "+"):
            lines.append((line[0], line[2:]))
    return {"fields": fields, "body": lines}


def changes(
    db: sqlite_utils.Database, actor: Actor, start: date, end: date, project_id: int | None = None
) -> list[dict]:
    """'What changed this week': every version saved between start and end (inclusive), newest first.

    `change` is 'created' for a first version and 'edited' for the others.
    """
    require(actor, "kb.read")
    clause, params = visible_clause(db, actor, "a.project_id")
    where = [clause, "v.edited_at >= ?", "v.edited_at <= ?"]
    params += [f"{start.isoformat()} 00:00:00", f"{end.isoformat()} 23:59:59"]
    if project_id is not None:
        require_project(db, actor, project_id, "kb.read")
        where.append("a.project_id = ?")
        params.append(project_id)
    found = rows(
        db,
        f"""SELECT v.article_id, v.version, v.title, v.category, v.note, v.edited_at, u.display_name AS editor_name,
                                a.project_id, a.status, p.name AS project_name, m.name AS merchant_name
                         FROM kb_article_versions v JOIN kb_articles a ON a.id = v.article_id
                         JOIN projects p ON p.id = a.project_id JOIN merchants m ON m.id = p.merchant_id
                         LEFT JOIN users u ON u.id = v.edited_by
                         WHERE {" AND ".join(where)} ORDER BY v.edited_at DESC, v.id DESC""",
        params,
    )
    for row in found:
        row["change"] = "created" if row["version"] == 1 else "edited"
    return found


# --- comments ----------------------------------------------------------------------------------


def add_comment(
    db: sqlite_utils.Database, actor: Actor, article_id: int, body: str, now: datetime | None = None
) -> int:
    """Comment on an article (a merchant on its own projects' articles; staff and agents on theirs)."""
    row = _article_row(db, actor, article_id, "kb.comment")
    body = body.strip()
    if not body:
        raise ValidationError.single("kb.comment", "err.required")
    if len(body) > MAX_COMMENT:
        raise ValidationError.single("kb.comment", "err.too_long", n=MAX_COMMENT)
    record = {"article_id": article_id, "user_id": actor.id, "body": body, "created_at": _now(now)}
    with write(db):
        comment_id = int(db["kb_comments"].insert(record).last_pk)
        audit.record(db, actor, "create", "kb_comment", comment_id, None, {**record, "project_id": row["project_id"]})
    return comment_id


def comments(db: sqlite_utils.Database, actor: Actor, article_id: int) -> list[dict]:
    """An article's comments, oldest first, with the writer's name and role."""
    _article_row(db, actor, article_id)
    return rows(
        db,
        """SELECT c.id, c.body, c.created_at, u.display_name AS author_name, u.role AS author_role
                       FROM kb_comments c JOIN users u ON u.id = c.user_id WHERE c.article_id = ? ORDER BY c.id""",
        [article_id],
    )


# --- search ------------------------------------------------------------------------------------


def split_terms(query: str) -> list[str]:
    """The words of a query: split on spaces and punctuation, de-duplicated, at most ten."""
    parts = re.split(r"[\s,，。、;；:：!！?？\"'“”‘’()（）\[\]【】]+", query.strip())
    terms: list[str] = []
    for part in parts:
        if part and part.lower() not in (t.lower() for t in terms):
            terms.append(part)
    return terms[:10]


def relaxed_pieces(terms: list[str]) -> list[str]:
    """The two-character pieces of the Chinese runs of the terms (minus the most common ones),
    plus the non-Chinese words of two characters or more: what a relaxed search looks for."""
    pieces: list[str] = []
    for term in terms:
        for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+", term):
            if _CJK.match(run):
                candidates = [run] if len(run) <= 2 else [run[i : i + 2] for i in range(len(run) - 1)]
            else:
                candidates = [run] if len(run) >= 2 else []
            for piece in candidates:
                if piece not in STOP_PIECES and piece not in pieces:
                    pieces.append(piece)
    return pieces[:12]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _col(column: str, term: str) -> str:
    """The column as compared with a lower-cased term: lower-cased only when the term has letters
    with a case (lower() on every row costs a third of a scan, and Chinese has no case)."""
    return f"lower({column})" if term != term.upper() else column


def _count(column: str, term: str) -> str:
    """SQL: how often the bound (lower-cased) term occurs in the column, case-insensitively."""
    return f"((length({column}) - length(replace({_col(column, term)}, ?, ''))) / length(?))"


def _contains(column: str, term: str) -> str:
    """SQL: 1 when the bound (lower-cased) term occurs in the column, case-insensitively."""
    return f"(instr({_col(column, term)}, ?) > 0)"


def _scope(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None, kinds: tuple[str, ...]
) -> tuple[list[str], list]:
    where, params = [], []
    visible = visible_project_ids(db, actor)
    if project_id is not None:
        require_project(db, actor, project_id, "kb.read")
        where.append("project_id = ?")
        params.append(project_id)
    elif visible is not None:
        where.append(f"project_id IN ({','.join('?' * len(visible))})" if visible else "0=1")
        params += sorted(visible)
    where.append(f"kind IN ({','.join('?' * len(kinds))})")
    params += list(kinds)
    return where, params


def allowed_kinds(actor: Actor) -> tuple[str, ...]:
    """What the actor's search covers: articles and the FAQ for all; quick phrases for staff and agents."""
    return KINDS if can(actor, "phrase.read") else ("article", "faq")


def search(
    db: sqlite_utils.Database,
    actor: Actor,
    query: str,
    project_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[dict]:
    """Best match first over articles, the FAQ and quick phrases of the projects the actor may read.

    Each hit: kind ('article' | 'faq' | 'phrase'), ref_id, project_id, project_name, title, text (the
    full answer of an FAQ or the phrase text), category (articles), shortcut and number (phrases),
    title_html and snippet_html (escaped, matched words in <mark>), score, related (True for the
    results of a relaxed search, which follow the exact ones when there are fewer than RELATED_FILL).
    """
    require(actor, "kb.read")
    query = query.strip()[:MAX_QUERY]
    terms = split_terms(query)
    if not terms:
        return []
    kinds = tuple(k for k in (kinds or KINDS) if k in allowed_kinds(actor))
    if not kinds:
        return []
    where, params = _scope(db, actor, project_id, kinds)
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t.lower() for t in terms if len(t) < 3]
    short_where = [
        f"({_contains('title', t)} OR {_contains('body', t)} OR {_contains('tags', t)})" for t in short_terms
    ]
    short_params = [v for t in short_terms for v in (t, t, t)]
    if long_terms:
        match = " AND ".join(_fts_phrase(t) for t in long_terms)
        # bm25 is negative (lower is better); short terms add their weighted counts on top
        bonus = (
            " + ".join(
                f"{SHORT_WEIGHTS[0]} * {_count('title', t)} + {SHORT_WEIGHTS[2]} * {_count('tags', t)}"
                for t in short_terms
            )
            or "0"
        )
        bonus_params = [v for t in short_terms for v in (t, t, t, t)]
        sql = f"""SELECT rowid, kind, ref_id, project_id, title, body, tags,
                         -bm25(kb_search, {", ".join(str(w) for w in BM25_WEIGHTS)}) + {bonus} AS score
                  FROM kb_search WHERE kb_search MATCH ? AND {" AND ".join(where + short_where)}
                  ORDER BY score DESC, length(title), rowid LIMIT ?"""
        found = rows(db, sql, [*bonus_params, match, *params, *short_params, limit])
    else:
        score = " + ".join(
            f"{SHORT_WEIGHTS[0]} * {_count('title', t)} + {SHORT_WEIGHTS[2]} * {_count('tags', t)}"
            f" + min({SHORT_BODY_CAP}, {_count('body', t)})"
            for t in short_terms
        )
        score_params = [v for t in short_terms for v in (t, t, t, t, t, t)]
        sql = f"""SELECT rowid, kind, ref_id, project_id, title, body, tags, {score} AS score
                  FROM kb_search WHERE {" AND ".join(where + short_where)}
                  ORDER BY score DESC, length(title), rowid LIMIT ?"""
        found = rows(db, sql, [*score_params, *params, *short_params, limit])
    hits = _decorate(db, found, terms, related=False)
    if len(hits) < RELATED_FILL:
        pieces = relaxed_pieces(terms)
        lowered = [p.lower() for p in pieces]
        same_query = len(terms) == 1 and lowered == [terms[0].lower()]  # relaxing would only ask the same again
        if lowered and not same_query:
            presence = " + ".join(
                f"(3 * {_contains('title', p)} + 2 * {_contains('tags', p)} + {_contains('body', p)})" for p in lowered
            )
            exclude = [r["rowid"] for r in found] or [-1]
            sql = f"""SELECT rowid, kind, ref_id, project_id, title, body, tags, {presence} AS score
                      FROM kb_search WHERE {" AND ".join(where)} AND rowid NOT IN ({",".join("?" * len(exclude))})
                      AND score > 0 ORDER BY score DESC, length(title), rowid LIMIT ?"""
            more = rows(
                db, sql, [*[v for p in lowered for v in (p, p, p)], *params, *exclude, RELATED_FILL - len(hits)]
            )
            hits += _decorate(db, more, pieces, related=True)
    return hits


def _decorate(db: sqlite_utils.Database, found: list[dict], terms: list[str], related: bool) -> list[dict]:
    if not found:
        return []
    ids = {kind: [r["ref_id"] for r in found if r["kind"] == kind] for kind in KINDS}
    categories = {r["id"]: r["category"] for r in _by_ids(db, "SELECT id, category FROM kb_articles", ids["article"])}
    phrase_rows = {r["id"]: r for r in _by_ids(db, "SELECT id, number, shortcut FROM kb_phrases", ids["phrase"])}
    project_ids = sorted({r["project_id"] for r in found})
    names = {
        r["id"]: f"{r['merchant_name']} · {r['name']}"
        for r in rows(
            db,
            f"""SELECT p.id, p.name, m.name AS merchant_name FROM projects p JOIN merchants m ON m.id = p.merchant_id
                WHERE p.id IN ({",".join("?" * len(project_ids))})""",
            project_ids,
        )
    }
    hits = []
    for r in found:
        plain = strip_markdown(r["body"])
        hit = {
            "kind": r["kind"],
            "ref_id": r["ref_id"],
            "project_id": r["project_id"],
            "project_name": names.get(r["project_id"], ""),
            "title": r["title"],
            "text": r["body"] if r["kind"] != "article" else "",
            "score": round(float(r["score"] or 0), 4),
            "related": related,
            "category": categories.get(r["ref_id"]) if r["kind"] == "article" else None,
            "shortcut": None,
            "number": None,
            "title_html": highlight_html(r["title"], terms),
            "snippet_html": highlight_html(snippet(plain, terms), terms),
        }
        if r["kind"] == "phrase":
            phrase = phrase_rows.get(r["ref_id"], {})
            hit.update(shortcut=phrase.get("shortcut"), number=phrase.get("number"))
        hits.append(hit)
    return hits


def _by_ids(db: sqlite_utils.Database, select: str, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    return rows(db, f"{select} WHERE id IN ({','.join('?' * len(ids))})", ids)


def strip_markdown(text: str) -> str:
    """Body text without the Markdown marks a snippet should not show, on one line."""
    plain = _MD_IMAGE.sub(" ", text)
    plain = _MD_LINK.sub(r"\1", plain)
    plain = _MD_LINE_MARK.sub("", plain)
    plain = _MD_EMPHASIS.sub("", plain)
    return re.sub(r"\s+", " ", plain).strip()


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the terms occur in the text (case-insensitive), overlapping spans merged."""
    haystack = text.lower()
    if len(haystack) != len(text):  # a rare character whose lower case is longer: match as written
        haystack = text
    spans: list[tuple[int, int]] = []
    for term in terms:
        needle = term.lower() if haystack is not text else term
        if not needle:
            continue
        start = haystack.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = haystack.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, terms: list[str]) -> str:
    """A short stretch of the text around the first matched word (the start when none matches)."""
    spans = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), first + SNIPPET_AFTER)
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def escape_text(text: str) -> str:
    """Text made safe to show as HTML inside Markdown: every HTML and Markdown special character
    becomes a character reference, so user text can neither inject markup nor turn into formatting."""
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SPECIAL else c for c in text.replace("\r", " ").replace("\n", " "))


def highlight_html(text: str, terms: list[str]) -> str:
    """The text escaped (see `escape_text`), with every occurrence of the terms wrapped in <mark>."""
    out, position = [], 0
    for start, end in _spans(text, terms):
        out.append(escape_text(text[position:start]))
        out.append(f"<mark>{escape_text(text[start:end])}</mark>")
        position = end
    out.append(escape_text(text[position:]))
    return "".join(out)


def decode_rowid(rowid: int) -> tuple[str, int]:
    """The (kind, source id) of an index rowid."""
    offset = rowid % ROWID_STRIDE
    kind = {ARTICLE_OFFSET: "article", FAQ_OFFSET: "faq", PHRASE_OFFSET: "phrase"}[offset]
    return kind, rowid // ROWID_STRIDE


def rebuild_index(db: sqlite_utils.Database) -> int:
    """Rebuild the search index from its three sources (after a restore, or to repair it); returns the entries."""
    with write(db):
        db.execute("DELETE FROM kb_search")
        db.execute(
            f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
                       SELECT id * {ROWID_STRIDE} + {ARTICLE_OFFSET}, title, body, tags || ' ' || skus, 'article', """
            f"""id, project_id
                       FROM kb_articles WHERE status = 'active'"""
        )
        db.execute(f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
                       SELECT id * {ROWID_STRIDE} + {FAQ_OFFSET}, question, answer, '', 'faq', id, project_id
                       FROM faq_items WHERE TRIM(answer) != ''""")
        db.execute(
            f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
                       SELECT id * {ROWID_STRIDE} + {PHRASE_OFFSET}, group_name, text, shortcut, 'phrase', id, """
            f"""project_id
                       FROM kb_phrases WHERE active = 1"""
        )
    return db.execute("SELECT COUNT(*) FROM kb_search").fetchone()[0]
