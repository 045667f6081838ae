"""Schema of the team building, training materials and exams (applied by core.kernel.migrations in its numbered slot).

Builds on M002 (agents, agent_status_history, project_agents). A change after this migration has
shipped is a new migration appended to core.kernel.migrations, never an edit here.
"""

from __future__ import annotations

M004_TEAM: list[str] = [
    # The day a status change took effect (a leaver recorded on Monday may have left on Friday);
    # NULL for rows written before this migration: their changed_at date is the effective day.
    "ALTER TABLE agent_status_history ADD COLUMN effective_on TEXT",
    # Per-project staffing settings: funnel ratios, the screening request, the required exams,
    # and the manager's acceptance of a materials gap. No row means every default applies.
    """CREATE TABLE team_settings (
        project_id INTEGER PRIMARY KEY REFERENCES projects(id),
        screen_ratio REAL NOT NULL DEFAULT 3 CHECK (screen_ratio > 0),
        admit_ratio REAL NOT NULL DEFAULT 2 CHECK (admit_ratio > 0),
        schedule_ratio REAL NOT NULL DEFAULT 1.5 CHECK (schedule_ratio > 0),
        screening_requested_on TEXT,
        screening_days INTEGER NOT NULL DEFAULT 3,
        required_exams TEXT,
        materials_gap_note TEXT,
        materials_gap_by INTEGER REFERENCES users(id),
        materials_gap_at TEXT,
        updated_at TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id)
    )""",
    # Candidates matched to a project by screening (客服筛选); withdrawn ones stay as history.
    """CREATE TABLE project_candidates (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        matched_on TEXT NOT NULL,
        matched_by INTEGER REFERENCES users(id),
        withdrawn_on TEXT,
        withdrawn_note TEXT NOT NULL DEFAULT '',
        UNIQUE (project_id, agent_id)
    )""",
    "CREATE INDEX idx_project_candidates_agent ON project_candidates(agent_id)",
    # Exam records; project_id NULL is the company's basic training exam. The pass mark in force
    # when the exam was sat is kept with it, so a later change of the mark never rewrites history.
    """CREATE TABLE exams (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        project_id INTEGER REFERENCES projects(id),
        exam_type TEXT NOT NULL CHECK (exam_type IN ('written','simulation','merchant','mystery_shopper')),
        score REAL NOT NULL CHECK (score >= 0),
        max_score REAL NOT NULL CHECK (max_score > 0),
        pass_mark REAL NOT NULL CHECK (pass_mark > 0 AND pass_mark <= 1),
        passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
        examiner TEXT NOT NULL DEFAULT '',
        exam_date TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_exams_agent ON exams(agent_id)",
    "CREATE INDEX idx_exams_project ON exams(project_id, exam_type)",
    """CREATE TABLE exam_pass_marks (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        exam_type TEXT NOT NULL,
        pass_mark REAL NOT NULL CHECK (pass_mark > 0 AND pass_mark <= 1),
        PRIMARY KEY (project_id, exam_type)
    )""",
    # Training materials: every version is a row; series_id is the id of the first version.
    """CREATE TABLE training_materials (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        series_id INTEGER REFERENCES training_materials(id),
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('product','platform_rules','scripts','aftersales','qa_standard','courseware','other')),
        upload_id INTEGER NOT NULL REFERENCES uploads(id),
        review_status TEXT NOT NULL CHECK (review_status IN ('not_required','pending','confirmed','returned')),
        review_comment TEXT NOT NULL DEFAULT '',
        reviewed_by INTEGER REFERENCES users(id),
        reviewed_at TEXT,
        uploaded_by INTEGER REFERENCES users(id),
        uploaded_at TEXT NOT NULL,
        UNIQUE (series_id, version)
    )""",
    "CREATE INDEX idx_training_materials_project ON training_materials(project_id)",
    # The training plan of a project (one per project), its participants, sessions and attendance.
    """CREATE TABLE training_plans (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL UNIQUE REFERENCES projects(id),
        method TEXT NOT NULL CHECK (method IN ('online_course','mock_practice','mixed')),
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id)
    )""",
    """CREATE TABLE training_participants (
        plan_id INTEGER NOT NULL REFERENCES training_plans(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        PRIMARY KEY (plan_id, agent_id)
    )""",
    """CREATE TABLE training_sessions (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL REFERENCES training_plans(id),
        day TEXT NOT NULL,
        topic TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE training_attendance (
        session_id INTEGER NOT NULL REFERENCES training_sessions(id),
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        present INTEGER NOT NULL CHECK (present IN (0, 1)),
        PRIMARY KEY (session_id, agent_id)
    )""",
    # Newcomers' tracks (templates in core.team.plans.TRACKS) and the stages each trainee finished.
    """CREATE TABLE agent_tracks (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        track TEXT NOT NULL CHECK (track IN ('no_experience','experienced','aftersales')),
        start_date TEXT NOT NULL,
        completed_on TEXT,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_agent_tracks_agent ON agent_tracks(agent_id)",
    """CREATE TABLE agent_track_stages (
        track_id INTEGER NOT NULL REFERENCES agent_tracks(id),
        stage INTEGER NOT NULL,
        completed_on TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        completed_by INTEGER REFERENCES users(id),
        PRIMARY KEY (track_id, stage)
    )""",
    # The admin's go-live overrides: the reason and what was missing; used_at is set by the
    # status change it allowed (core.team.funnel.check_can_go_live).
    """CREATE TABLE go_live_overrides (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        reason TEXT NOT NULL,
        missing TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        used_at TEXT
    )""",
]
