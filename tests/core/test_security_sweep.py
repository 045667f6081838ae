"""Security sweep: every public core function that acts for a user refuses one without the permission.

The app's pages hide what a role may not see, but the rule lives in core: every function that takes
an `actor` checks it. This file finds those functions by introspection (so a new function is swept
the day it is written) and calls each of them, with plausible arguments on the demo firm:

- as a user whose role has no permission at all (an account whose role is unknown to the table,
  as a tampered session would carry): the call raises PermissionDenied or NotFound, or returns an
  empty result; it never returns data and never writes a row;
- as a merchant, with the id of ANOTHER merchant's project (id tampering): the same.

Functions that every signed-in user may call on their own account (their password, their
language) are listed in SELF_SERVICE with the reason, and are checked not to write for the
unknown role either.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import os
import pkgutil
from typing import Any, Callable

import pandas as pd
import pytest

import core
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied
from tests.conftest import actor_of

SKIP_MODULES = (
    "__main__",
    "i18n",
    "text",
    "schema",
    "migrations",
    "permissions",
)  # permissions: the checker itself, tested on its own

# functions any signed-in user calls on their own account; their own tests check them
SELF_SERVICE: dict[str, str] = {
    "core.accounts.users.change_own_password": "the acting user's own password, checked against the old one",
    "core.accounts.users.set_language": "the acting user's own language",
}

# building blocks that other core functions call after their own check; never the door itself
INTERNAL: dict[str, str] = {
    "core.kernel.audit.record": "writes the audit row of an action its caller has already checked",
    "core.kernel.uploads.store": "stores a validated file for a caller that has checked its own permission "
    "(materials, QA standard)",
    "core.qa.reviews.create_task": "joins the transaction of complaints.log_complaint, which checks complaint.write",
    "core.kb.articles.allowed_kinds": "names the kinds a search covers; the search itself filters by project",
    "core.kb.articles.visible_clause": "builds the SQL filter of the projects one may see ('0=1' for nobody)",
    "core.overview.meeting.default_scope": "picks the meeting's scope among projects its caller read "
    "with the actor's permission; reads nothing",
}


def actor_functions() -> list[tuple[str, Callable]]:
    """(dotted name, function) of every public core function with an `actor` parameter."""
    found = []
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if info.ispkg or info.name.rsplit(".", 1)[-1].startswith(SKIP_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "actor" in inspect.signature(func).parameters and f"{module.__name__}.{name}" not in INTERNAL:
                found.append((f"{module.__name__}.{name}", func))
    return sorted(found, key=lambda item: item[0])


FUNCTIONS = actor_functions()


def is_empty(result: Any) -> bool:
    """True for a result that tells nothing: None, empty containers, zero, a frame without rows,
    or a mapping/dataclass whose values are all empty."""
    if result is None or result is False or result == 0:
        return True
    if isinstance(result, pd.DataFrame):
        return result.empty
    if isinstance(result, (str, bytes)):
        return len(result) == 0
    if isinstance(result, dict):
        return all(is_empty(v) for v in result.values())
    if isinstance(result, (list, tuple, set, frozenset)):
        return all(is_empty(v) for v in result)
    return False


def plausible_arguments(func: Callable, db, actor: Actor, project_id: int, ids: dict[str, int]) -> dict[str, Any]:
    """Arguments that get a call as far as its permission check: real ids of the demo firm, dates
    inside its data, small well-formed values elsewhere."""
    today = dt.date(2026, 11, 30)
    monday = today - dt.timedelta(days=today.weekday())
    args: dict[str, Any] = {}
    for name, param in inspect.signature(func).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name == "db":
            args[name] = db
        elif name == "actor":
            args[name] = actor
        elif name == "project_id":
            args[name] = project_id
        elif param.default is not inspect.Parameter.empty:
            continue  # optional filters stay open: the widest answer is the one that could leak
        elif name in ("project_ids",):
            args[name] = [project_id]
        elif name in ids:
            args[name] = ids[name]
        elif name.endswith("_ids"):
            args[name] = [1]
        elif name.endswith("_id"):
            args[name] = 1
        elif name in ("now", "t", "stamp"):
            args[name] = dt.datetime(2026, 11, 30, 10, 0, 0)
        elif name in ("monday", "week_start"):
            args[name] = monday
        elif name in ("month",):
            args[name] = "2026-10"
        elif name in (
            "start",
            "from_date",
            "date_from",
            "start_date",
            "since",
            "effective_from",
            "active_on",
            "on",
            "day",
            "today",
            "chat_date",
            "anchor",
            "screening_requested_on",
            "discussed_on",
            "paid_on",
            "due",
        ):
            args[name] = (
                today - dt.timedelta(days=7)
                if name in ("start", "from_date", "date_from", "start_date", "since")
                else today
            )
        elif name in ("end", "to_date", "date_to", "end_date", "end_day", "valid_until"):
            args[name] = today
        elif name in (
            "data",
            "request",
            "values",
            "changes",
            "ratings",
            "records",
            "cells",
            "ratios",
            "pass_marks",
            "items",
            "rebates",
            "preview",
            "headers",
        ):
            args[name] = {}
        elif name in (
            "agent_ids",
            "statuses",
            "kinds",
            "participants",
            "present",
            "exam_types",
            "required_exams",
            "tags",
            "marked_buyers",
            "unresolved",
            "days",
            "allowed",
            "reason_labels",
            "steps_done",
        ):
            args[name] = []
        elif name in (
            "amount",
            "limit",
            "top",
            "target",
            "reviews_per_week",
            "max_mb",
            "max_bytes",
            "pass_mark",
            "screening_days",
            "payment_days",
            "critical_cap",
            "bonus_cap",
            "extra_rise",
            "screen_ratio",
            "admit_ratio",
            "schedule_ratio",
            "grade",
            "version_a",
            "version_b",
            "row_id",
        ):
            args[name] = 1
        elif name in ("messages_data", "orders_data", "body", "content") and "data" in name:
            args[name] = b""
        elif name in (
            "approve",
            "active",
            "replace",
            "overdue",
            "overdue_only",
            "open_only",
            "online_only",
            "critical_only",
            "include_old",
            "by_agent",
            "passed",
            "done",
            "basic_only",
            "ask_confirmation",
            "confirming",
        ):
            args[name] = True
        elif name == "progress":
            args[name] = None
        else:
            args[name] = "x"
    return args


@pytest.fixture(scope="module")
def firm(_demo_template, tmp_path_factory):
    """The demo firm, copied once for this module (nothing here may write), and the ids to pass."""
    import shutil

    from core.bootstrap import open_store

    template, _logins = _demo_template
    target = tmp_path_factory.mktemp("sweep") / "demo"
    shutil.copytree(template, target)
    path = target / "app.db"
    previous = os.environ.get("APP_DB")
    os.environ["APP_DB"] = str(path)
    db = open_store(path)
    yield db, real_ids(db)
    db.close()
    if previous is None:
        os.environ.pop("APP_DB", None)
    else:
        os.environ["APP_DB"] = previous


def real_ids(db, project_id: int | None = None) -> dict[str, int]:
    """The first row's id of each kind the sweep passes, so calls reach their checks; with
    `project_id`, rows of that project where the table has one (the tampered ids)."""
    tables = {
        "agent_id": "agents",
        "merchant_id": "merchants",
        "complaint_id": "complaints",
        "review_id": "qa_reviews",
        "article_id": "kb_articles",
        "phrase_id": "phrases",
        "memo_id": "memos",
        "material_id": "training_materials",
        "run_id": "pay_runs",
        "quote_id": "quotes",
        "contract_id": "contracts",
        "invoice_id": "invoices",
        "scheme_id": "salary_schemes",
        "case_id": "qa_cases",
        "user_id": "users",
        "upload_id": "uploads",
        "promotion_id": "promotions",
        "request_id": "shift_requests",
        "dispute_id": "qa_disputes",
        "scorecard_id": "qa_scorecards",
    }
    ids = {}
    existing = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    for key, table in tables.items():
        if table in existing:
            columns = {c[1] for c in db.execute(f"PRAGMA table_info({table})").fetchall()}
            if project_id is not None and "project_id" in columns:
                row = db.execute(f"SELECT min(id) FROM {table} WHERE project_id = ?", [project_id]).fetchone()
            else:
                row = db.execute(f"SELECT min(id) FROM {table}").fetchone()
            if row and row[0] is not None:
                ids[key] = row[0]
    return ids


REFUSALS = (PermissionDenied, NotFound)


def call_refused_or_empty(func: Callable, args: dict[str, Any]) -> str:
    """'refused', 'empty' or a description of what leaked."""
    try:
        result = func(**args)
    except REFUSALS:
        return "refused"
    except ValidationError:  # e.g. "not one of your projects": refused as input, nothing told, nothing written
        return "refused"
    except Exception as exc:  # noqa: BLE001 - reported as the test's failure
        return f"raised {type(exc).__name__}: {exc}"
    return "empty" if is_empty(result) else f"returned {type(result).__name__}: {repr(result)[:200]}"


def test_the_sweep_finds_the_functions_it_is_about():
    names = {name for name, _ in FUNCTIONS}
    assert len(names) > 250
    assert {
        "core.complaints.complaints.log_complaint",
        "core.salary.payrun.run_month",
        "core.kpi.summary_store.import_summary",
        "core.billing.payments.record_payment",
        "core.schedule.shifts.save_cells",
        "core.accounts.users.create_user",
    } <= names
    assert not names & set(INTERNAL)


@pytest.mark.parametrize("name,func", FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_a_user_without_any_permission_is_refused_and_nothing_is_written(firm, name, func):
    db, IDS = firm
    outsider = Actor(id=999_999, username="tampered", role="outsider", merchant_id=None)
    project_id = db.execute("SELECT min(id) FROM projects WHERE status = 'live'").fetchone()[0]
    before = db.conn.total_changes
    outcome = call_refused_or_empty(func, plausible_arguments(func, db, outsider, project_id, IDS))
    if name not in SELF_SERVICE:
        assert outcome in ("refused", "empty"), f"{name}: {outcome}"
    assert db.conn.total_changes == before and not db.conn.in_transaction, f"{name} wrote for a user without permission"


@pytest.mark.parametrize(
    "name,func",
    [(n, f) for n, f in FUNCTIONS if "project_id" in inspect.signature(f).parameters],
    ids=[n for n, f in FUNCTIONS if "project_id" in inspect.signature(f).parameters],
)
def test_a_merchant_passing_another_merchants_project_id_gets_nothing(firm, name, func):
    db, IDS = firm
    merchant = actor_of(db, "merchant")
    # another merchant's live project: the one with data to leak
    other = db.execute(
        "SELECT id FROM projects WHERE merchant_id != ? ORDER BY status = 'live' DESC, id LIMIT 1",
        [merchant.merchant_id],
    ).fetchone()[0]
    assert db.execute("SELECT count(*) FROM complaints WHERE project_id = ?", [other]).fetchone()[0] > 0
    before = db.conn.total_changes
    outcome = call_refused_or_empty(func, plausible_arguments(func, db, merchant, other, real_ids(db, other)))
    assert outcome in ("refused", "empty"), f"{name}: {outcome}"
    assert db.conn.total_changes == before and not db.conn.in_transaction, (
        f"{name} wrote for a merchant on another merchant's project"
    )
