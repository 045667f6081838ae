"""Schema of salary and performance: pay schemes, attendance, monthly pay runs (applied by core.kernel.migrations).

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.

Locking is guarded twice: core refuses to recompute an approved run, and triggers refuse any
insert, update or delete of the statements and lines of an approved run, so figures once
approved cannot change whatever happens to the data they came from. Scheme versions are never
updated either: a change is a new version.
"""

from __future__ import annotations


def _locked(table: str, event: str, row: str) -> str:
    return f"""CREATE TRIGGER {table}_locked_{event.lower()} BEFORE {event} ON {table}
       WHEN (SELECT status FROM pay_runs WHERE id = {row}.run_id) = 'approved'
       BEGIN SELECT RAISE(ABORT, 'the pay run is approved: its figures are locked'); END"""


M006_SALARY: list[str] = [
    """CREATE TABLE salary_schemes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id)
    )""",
    """CREATE TABLE salary_scheme_versions (
        id INTEGER PRIMARY KEY,
        scheme_id INTEGER NOT NULL REFERENCES salary_schemes(id),
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        UNIQUE (scheme_id, version)
    )""",
    """CREATE TRIGGER salary_scheme_versions_frozen BEFORE UPDATE ON salary_scheme_versions
       BEGIN SELECT RAISE(ABORT, 'a scheme version is never changed: save a new version'); END""",
    # Which scheme pays whom from a date: an agent (agent_id), a project (project_id) or the company (neither).
    """CREATE TABLE salary_scheme_assignments (
        id INTEGER PRIMARY KEY,
        scheme_id INTEGER NOT NULL REFERENCES salary_schemes(id),
        project_id INTEGER REFERENCES projects(id),
        agent_id INTEGER REFERENCES agents(id),
        from_date TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        CHECK (project_id IS NULL OR agent_id IS NULL)
    )""",
    "CREATE INDEX idx_salary_scheme_assignments_scheme ON salary_scheme_assignments(scheme_id)",
    """CREATE TABLE attendance (
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        day TEXT NOT NULL,
        shift TEXT NOT NULL CHECK (shift IN ('day','night')),
        status TEXT NOT NULL CHECK (status IN ('present','late','absent','leave','rest')),
        check_in TEXT,
        note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'supervisor' CHECK (source IN ('schedule','supervisor')),
        recorded_by INTEGER REFERENCES users(id),
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, day)
    )""",
    "CREATE INDEX idx_attendance_day ON attendance(day)",
    """CREATE TABLE pay_runs (
        id INTEGER PRIMARY KEY,
        month TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('draft','approved')),
        computed_at TEXT NOT NULL,
        computed_by INTEGER REFERENCES users(id),
        computations INTEGER NOT NULL DEFAULT 1,
        approved_at TEXT,
        approved_by INTEGER REFERENCES users(id)
    )""",
    """CREATE TABLE pay_run_events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES pay_runs(id),
        at TEXT NOT NULL,
        by INTEGER REFERENCES users(id),
        action TEXT NOT NULL CHECK (action IN ('run','approve','reopen')),
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_pay_run_events_run ON pay_run_events(run_id)",
    """CREATE TABLE pay_statements (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES pay_runs(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        agent_name TEXT NOT NULL,
        employee_no TEXT NOT NULL,
        projects TEXT NOT NULL,
        main_project_id INTEGER REFERENCES projects(id),
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        days INTEGER NOT NULL,
        sales REAL NOT NULL,
        base REAL NOT NULL,
        commission REAL NOT NULL,
        performance REAL NOT NULL,
        bonus REAL NOT NULL,
        deductions REAL NOT NULL,
        adjustments REAL NOT NULL,
        total REAL NOT NULL,
        kpi_score REAL NOT NULL,
        grade TEXT CHECK (grade IN ('gold','silver','bronze')),
        summary TEXT NOT NULL,
        UNIQUE (run_id, agent_id)
    )""",
    """CREATE TABLE pay_lines (
        id INTEGER PRIMARY KEY,
        statement_id INTEGER NOT NULL REFERENCES pay_statements(id),
        run_id INTEGER NOT NULL REFERENCES pay_runs(id),
        position INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('base','commission','performance','bonus','deduction','adjustment')),
        label TEXT NOT NULL,
        label_params TEXT NOT NULL DEFAULT '{}',
        project_id INTEGER REFERENCES projects(id),
        ref TEXT NOT NULL DEFAULT '',
        amount REAL NOT NULL,
        explanation TEXT NOT NULL
    )""",
    "CREATE INDEX idx_pay_lines_statement ON pay_lines(statement_id)",
    "CREATE INDEX idx_pay_lines_run ON pay_lines(run_id)",
    _locked("pay_statements", "INSERT", "NEW"),
    _locked("pay_statements", "UPDATE", "OLD"),
    _locked("pay_statements", "DELETE", "OLD"),
    _locked("pay_lines", "INSERT", "NEW"),
    _locked("pay_lines", "UPDATE", "OLD"),
    _locked("pay_lines", "DELETE", "OLD"),
]
