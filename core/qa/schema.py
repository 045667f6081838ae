"""Schema of the QA scorecards, reviews, complaints and after-sales registers (applied by core.kernel.migrations in its numbered slot).

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.

Scorecards are data: the company's default one (`project_id IS NULL`) ships with this migration;
a project gets its own when the merchant has its own QA standard. A scorecard is never edited in
place once saved: saving makes a new version and deactivates the old one, so every review keeps
the items it was scored on.
"""

from __future__ import annotations

# Our default scorecard: (category, name, scale, kind, weight, bonus points, critical, N/A allowed).
# Scales: pass_fail (0 fail / 1 pass) or 3, 4, 5 points (1..n). Standard weights add up to 100.
DEFAULT_SCORECARD_NAME = "我方标准评分表"
DEFAULT_ITEMS: tuple[tuple[str, str, str, str, float, float, int, int], ...] = (
    ("响应", "响应速度", "5", "standard", 15, 0, 0, 0),
    ("礼仪", "欢迎语与结束语", "pass_fail", "standard", 5, 0, 0, 0),
    ("礼仪", "服务态度", "5", "standard", 15, 0, 0, 0),
    ("专业", "产品解答准确", "5", "standard", 20, 0, 0, 0),
    ("专业", "话术使用", "4", "standard", 10, 0, 0, 0),
    ("专业", "订单信息核对", "pass_fail", "standard", 10, 0, 0, 1),
    ("销售", "推荐与关联销售", "4", "standard", 10, 0, 0, 1),
    ("销售", "追单", "3", "standard", 5, 0, 0, 1),
    ("红线", "与买家争吵或嘲讽买家", "pass_fail", "standard", 5, 0, 1, 0),
    ("红线", "拒不承认错误", "pass_fail", "standard", 5, 0, 1, 0),
    ("加分", "超出预期的服务", "pass_fail", "bonus", 0, 5, 0, 1),
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _default_scorecard_statements() -> list[str]:
    # Shanghai has no daylight saving time: UTC + 8 hours is its local time.
    stamp = "datetime('now', '+8 hours')"
    statements = [
        f"""INSERT INTO qa_scorecards (id, name, project_id, source, version, active, critical_mode, critical_cap, bonus_cap, created_at)
            VALUES (1, {_quote(DEFAULT_SCORECARD_NAME)}, NULL, 'ours', 1, 1, 'zero', 60, 5, {stamp})"""
    ]
    for position, (category, name, scale, kind, weight, points, critical, allow_na) in enumerate(
        DEFAULT_ITEMS, start=1
    ):
        statements.append(
            f"""INSERT INTO qa_scorecard_items (scorecard_id, position, category, name, scale, kind, weight, points, critical, allow_na)
                VALUES (1, {position}, {_quote(category)}, {_quote(name)}, '{scale}', '{kind}', {weight}, {points}, {critical}, {allow_na})"""
        )
    return statements


M005_QA: list[str] = [
    # --- scorecards ---------------------------------------------------------------------------
    """CREATE TABLE qa_scorecards (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        project_id INTEGER REFERENCES projects(id),
        source TEXT NOT NULL CHECK (source IN ('ours','merchant')),
        upload_id INTEGER REFERENCES uploads(id),
        version INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        critical_mode TEXT NOT NULL DEFAULT 'zero' CHECK (critical_mode IN ('zero','cap')),
        critical_cap REAL NOT NULL DEFAULT 60,
        bonus_cap REAL NOT NULL DEFAULT 5,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id)
    )""",
    "CREATE UNIQUE INDEX idx_qa_scorecards_one_active ON qa_scorecards(COALESCE(project_id, 0)) WHERE active = 1",
    """CREATE TABLE qa_scorecard_items (
        id INTEGER PRIMARY KEY,
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id),
        position INTEGER NOT NULL,
        category TEXT NOT NULL,
        name TEXT NOT NULL,
        scale TEXT NOT NULL CHECK (scale IN ('pass_fail','3','4','5')),
        kind TEXT NOT NULL CHECK (kind IN ('standard','bonus')),
        weight REAL NOT NULL DEFAULT 0 CHECK (weight >= 0),
        points REAL NOT NULL DEFAULT 0 CHECK (points >= 0),
        critical INTEGER NOT NULL DEFAULT 0,
        allow_na INTEGER NOT NULL DEFAULT 0,
        description TEXT NOT NULL DEFAULT '',
        UNIQUE (scorecard_id, name)
    )""",
    "CREATE INDEX idx_qa_scorecard_items_card ON qa_scorecard_items(scorecard_id)",
    """CREATE TABLE qa_project_settings (
        project_id INTEGER PRIMARY KEY REFERENCES projects(id),
        target REAL NOT NULL,
        reviews_per_week INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id)
    )""",
    # --- reviews ------------------------------------------------------------------------------
    """CREATE TABLE qa_calibrations (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        scorecard_id INTEGER NOT NULL REFERENCES qa_scorecards(id),
        title TEXT NOT NULL DEFAULT '',
        chat_buyer_id TEXT NOT NULL,
        chat_date TEXT NOT NULL,
        transcript TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id)
    )""",
    """CREATE TABLE qa_reviews (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'review' CHECK (kind IN ('review','calibration')),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        scorecard_id INTEGER REFERENCES qa_scorecards(id),
        inspector_id INTEGER REFERENCES users(id),
        chat_buyer_id TEXT NOT NULL,
        chat_date TEXT NOT NULL,
        transcript TEXT NOT NULL DEFAULT '',
        comment TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('task','scored','disputed','locked')),
        base_score REAL,
        bonus REAL,
        score REAL,
        critical_failed INTEGER NOT NULL DEFAULT 0,
        case_type TEXT CHECK (case_type IN ('problem','excellent')),
        case_status TEXT CHECK (case_status IN ('to_discuss','discussed')),
        case_discussed_on TEXT,
        case_note TEXT NOT NULL DEFAULT '',
        complaint_id INTEGER REFERENCES complaints(id),
        calibration_id INTEGER REFERENCES qa_calibrations(id),
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        reviewed_at TEXT,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_qa_reviews_project_date ON qa_reviews(project_id, chat_date)",
    "CREATE INDEX idx_qa_reviews_agent_date ON qa_reviews(agent_id, chat_date)",
    "CREATE UNIQUE INDEX idx_qa_reviews_one_per_calibrator ON qa_reviews(calibration_id, inspector_id) WHERE calibration_id IS NOT NULL",
    """CREATE TABLE qa_review_items (
        review_id INTEGER NOT NULL REFERENCES qa_reviews(id),
        item_id INTEGER NOT NULL REFERENCES qa_scorecard_items(id),
        rating INTEGER,
        score REAL,
        PRIMARY KEY (review_id, item_id)
    )""",
    """CREATE TABLE qa_review_history (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES qa_reviews(id),
        at TEXT NOT NULL,
        by INTEGER REFERENCES users(id),
        event TEXT NOT NULL,
        score REAL,
        critical_failed INTEGER NOT NULL DEFAULT 0,
        ratings TEXT NOT NULL DEFAULT '{}',
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_qa_review_history_review ON qa_review_history(review_id)",
    """CREATE TABLE qa_disputes (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES qa_reviews(id),
        raised_by INTEGER REFERENCES users(id),
        raised_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open','accepted','partly_accepted','rejected')),
        resolved_by INTEGER REFERENCES users(id),
        resolved_at TEXT,
        resolution_comment TEXT NOT NULL DEFAULT '',
        score_before REAL,
        score_after REAL
    )""",
    "CREATE UNIQUE INDEX idx_qa_disputes_one_open ON qa_disputes(review_id) WHERE status = 'open'",
    # --- complaints -------------------------------------------------------------------------------
    """CREATE TABLE complaint_counters (
        day TEXT PRIMARY KEY,
        last INTEGER NOT NULL
    )""",
    """CREATE TABLE complaints (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        channel TEXT NOT NULL CHECK (channel IN ('chat','phone','platform','merchant')),
        buyer_id TEXT NOT NULL,
        order_no TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL CHECK (category IN ('service_attitude','wrong_answer','product_quality','logistics','refund','other')),
        description TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('low','medium','high')),
        concerns_agent INTEGER NOT NULL DEFAULT 0,
        agent_id INTEGER REFERENCES agents(id),
        chat_date TEXT,
        status TEXT NOT NULL CHECK (status IN ('new','in_progress','escalated','resolved','closed')),
        promised_at TEXT NOT NULL,
        assignee_id INTEGER REFERENCES users(id),
        responsible INTEGER,
        responsibility_note TEXT NOT NULL DEFAULT '',
        responsibility_by INTEGER REFERENCES users(id),
        responsibility_at TEXT,
        review_id INTEGER REFERENCES qa_reviews(id),
        logged_by INTEGER REFERENCES users(id),
        logged_at TEXT NOT NULL,
        resolved_at TEXT,
        closed_at TEXT,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_complaints_project ON complaints(project_id, logged_at)",
    "CREATE INDEX idx_complaints_agent ON complaints(agent_id)",
    """CREATE TABLE complaint_events (
        id INTEGER PRIMARY KEY,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        at TEXT NOT NULL,
        by INTEGER REFERENCES users(id),
        action TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_complaint_events_complaint ON complaint_events(complaint_id)",
    # --- after-sales registers ----------------------------------------------------------------------
    """CREATE TABLE reissues (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        day TEXT NOT NULL,
        order_no TEXT NOT NULL DEFAULT '',
        buyer_id TEXT NOT NULL DEFAULT '',
        items TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '' CHECK (reason IN ('','missing_item','transit_damage','quality','wrong_shipment')),
        note TEXT NOT NULL DEFAULT '',
        logged_by INTEGER REFERENCES users(id),
        logged_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_reissues_project_day ON reissues(project_id, day)",
    """CREATE TABLE cashbacks (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        order_no TEXT NOT NULL,
        buyer_id TEXT NOT NULL,
        amount REAL NOT NULL CHECK (amount > 0),
        reason TEXT NOT NULL CHECK (reason IN ('good_review','compensation')),
        status TEXT NOT NULL CHECK (status IN ('to_pay','paid')),
        note TEXT NOT NULL DEFAULT '',
        logged_by INTEGER REFERENCES users(id),
        logged_at TEXT NOT NULL,
        paid_at TEXT,
        paid_by INTEGER REFERENCES users(id),
        settled_note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_cashbacks_project ON cashbacks(project_id, logged_at)",
    "CREATE UNIQUE INDEX idx_cashbacks_one_good_review ON cashbacks(project_id, order_no) WHERE reason = 'good_review'",
    """CREATE TABLE aftersales_cases (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        case_type TEXT NOT NULL CHECK (case_type IN ('not_as_expected','service_unsatisfied','missing_item','late_delivery','transit_damage','quality')),
        order_no TEXT NOT NULL DEFAULT '',
        buyer_id TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        steps_done TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('open','done')),
        logged_by INTEGER REFERENCES users(id),
        logged_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        done_at TEXT
    )""",
    "CREATE INDEX idx_aftersales_cases_project ON aftersales_cases(project_id, logged_at)",
    *_default_scorecard_statements(),
]
