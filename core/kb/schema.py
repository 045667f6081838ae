"""Schema of the knowledge base, quick phrases and agents' memos (applied by core.kernel.migrations).

One full-text index, `kb_search`, holds the searchable text of three sources kept in sync by
triggers: knowledge-base articles, the foundation's FAQ & scripts table (`faq_items`, indexed in
place so that it is part of the knowledge base, not a copy) and quick phrases. Its rowid encodes
the source (`id * 4 + kind`), so a trigger replaces one entry without scanning the index.
The `trigram` tokenizer matches any substring of three characters or more, Chinese included;
shorter queries are answered by a LIKE scan of the same table (see core.kb.articles).

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.
"""

from __future__ import annotations

# rowid = source id * ROWID_STRIDE + offset; core.kb.articles decodes it
ROWID_STRIDE = 4
ARTICLE_OFFSET, FAQ_OFFSET, PHRASE_OFFSET = 0, 1, 2

_ARTICLE_ENTRY = f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
        SELECT new.id * {ROWID_STRIDE} + {ARTICLE_OFFSET}, new.title, new.body, new.tags || ' ' || new.skus,
               'article', new.id, new.project_id WHERE new.status = 'active';"""
_FAQ_ENTRY = f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
        SELECT new.id * {ROWID_STRIDE} + {FAQ_OFFSET}, new.question, new.answer, '', 'faq', new.id, new.project_id
        WHERE TRIM(new.answer) != '';"""
_PHRASE_ENTRY = f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
        SELECT new.id * {ROWID_STRIDE} + {PHRASE_OFFSET}, new.group_name, new.text, new.shortcut,
               'phrase', new.id, new.project_id WHERE new.active = 1;"""

M008_KB: list[str] = [
    """CREATE TABLE kb_articles (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        title TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('product','platform_rules','promotions','logistics','after_sales','policy','faq')),
        tags TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        skus TEXT NOT NULL DEFAULT '',
        owner_id INTEGER REFERENCES users(id),
        review_by TEXT,
        source_material_id INTEGER REFERENCES training_materials(id),
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','archived')),
        version INTEGER NOT NULL DEFAULT 1,
        reviewed_at TEXT,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id)
    )""",
    "CREATE INDEX idx_kb_articles_project ON kb_articles(project_id, status)",
    "CREATE INDEX idx_kb_articles_owner ON kb_articles(owner_id, review_by)",
    # every saved state of an article, the current one included: an edit never loses the old text
    """CREATE TABLE kb_article_versions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES kb_articles(id),
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        category TEXT NOT NULL,
        tags TEXT NOT NULL,
        body TEXT NOT NULL,
        skus TEXT NOT NULL,
        owner_id INTEGER REFERENCES users(id),
        review_by TEXT,
        note TEXT NOT NULL DEFAULT '',
        edited_at TEXT NOT NULL,
        edited_by INTEGER REFERENCES users(id),
        UNIQUE (article_id, version)
    )""",
    "CREATE INDEX idx_kb_article_versions_at ON kb_article_versions(edited_at)",
    """CREATE TABLE kb_comments (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES kb_articles(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX idx_kb_comments_article ON kb_comments(article_id)",
    # quick phrases (快捷短语): numbered per project, a unique shortcut code, grouped
    """CREATE TABLE kb_phrases (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        number INTEGER NOT NULL,
        group_name TEXT NOT NULL DEFAULT '',
        shortcut TEXT NOT NULL,
        text TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        updated_at TEXT NOT NULL,
        updated_by INTEGER REFERENCES users(id),
        UNIQUE (project_id, number)
    )""",
    "CREATE UNIQUE INDEX idx_kb_phrases_shortcut ON kb_phrases(project_id, shortcut) WHERE active = 1",
    """CREATE TABLE kb_phrase_versions (
        id INTEGER PRIMARY KEY,
        phrase_id INTEGER NOT NULL REFERENCES kb_phrases(id),
        version INTEGER NOT NULL,
        group_name TEXT NOT NULL,
        shortcut TEXT NOT NULL,
        text TEXT NOT NULL,
        active INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('edit','import','meeting','memo')),
        note TEXT NOT NULL DEFAULT '',
        changed_at TEXT NOT NULL,
        changed_by INTEGER REFERENCES users(id),
        UNIQUE (phrase_id, version)
    )""",
    # a QA inspector's or manager's flag: wrong or outdated; the Monday meeting decides the rewrite
    """CREATE TABLE kb_phrase_flags (
        id INTEGER PRIMARY KEY,
        phrase_id INTEGER NOT NULL REFERENCES kb_phrases(id),
        reason TEXT NOT NULL CHECK (reason IN ('wrong','outdated')),
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('open','meeting','resolved','dismissed')),
        flagged_by INTEGER REFERENCES users(id),
        flagged_at TEXT NOT NULL,
        listed_at TEXT,
        resolved_by INTEGER REFERENCES users(id),
        resolved_at TEXT,
        resolution TEXT NOT NULL DEFAULT '',
        resolved_version INTEGER
    )""",
    "CREATE INDEX idx_kb_phrase_flags_phrase ON kb_phrase_flags(phrase_id, status)",
    # the agent's memo (备忘录): a question or idea, answered now or queued for the Monday meeting
    """CREATE TABLE kb_memos (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        author_id INTEGER NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL CHECK (kind IN ('question','idea')),
        text TEXT NOT NULL,
        chat_ref TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('open','queued','answered')),
        created_at TEXT NOT NULL,
        queued_at TEXT,
        queued_by INTEGER REFERENCES users(id),
        answer TEXT NOT NULL DEFAULT '',
        answered_at TEXT,
        answered_by INTEGER REFERENCES users(id),
        article_id INTEGER REFERENCES kb_articles(id),
        phrase_id INTEGER REFERENCES kb_phrases(id),
        seen_at TEXT
    )""",
    "CREATE INDEX idx_kb_memos_author ON kb_memos(author_id, status)",
    "CREATE INDEX idx_kb_memos_project ON kb_memos(project_id, status)",
    # the search index and the triggers that keep it in step with its three sources
    "CREATE VIRTUAL TABLE kb_search USING fts5(title, body, tags, kind UNINDEXED, ref_id UNINDEXED, project_id UNINDEXED, tokenize = 'trigram')",
    f"CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN {_ARTICLE_ENTRY} END",
    f"""CREATE TRIGGER kb_articles_au AFTER UPDATE ON kb_articles BEGIN
        DELETE FROM kb_search WHERE rowid = old.id * {ROWID_STRIDE} + {ARTICLE_OFFSET}; {_ARTICLE_ENTRY} END""",
    f"CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN DELETE FROM kb_search WHERE rowid = old.id * {ROWID_STRIDE} + {ARTICLE_OFFSET}; END",
    f"CREATE TRIGGER kb_faq_ai AFTER INSERT ON faq_items BEGIN {_FAQ_ENTRY} END",
    f"""CREATE TRIGGER kb_faq_au AFTER UPDATE ON faq_items BEGIN
        DELETE FROM kb_search WHERE rowid = old.id * {ROWID_STRIDE} + {FAQ_OFFSET}; {_FAQ_ENTRY} END""",
    f"CREATE TRIGGER kb_faq_ad AFTER DELETE ON faq_items BEGIN DELETE FROM kb_search WHERE rowid = old.id * {ROWID_STRIDE} + {FAQ_OFFSET}; END",
    f"CREATE TRIGGER kb_phrases_ai AFTER INSERT ON kb_phrases BEGIN {_PHRASE_ENTRY} END",
    f"""CREATE TRIGGER kb_phrases_au AFTER UPDATE ON kb_phrases BEGIN
        DELETE FROM kb_search WHERE rowid = old.id * {ROWID_STRIDE} + {PHRASE_OFFSET}; {_PHRASE_ENTRY} END""",
    # answered FAQ rows that exist before this migration (a database upgraded in place); an unanswered
    # question has nothing to offer an agent mid-chat, so it enters the index once it is answered
    f"""INSERT INTO kb_search (rowid, title, body, tags, kind, ref_id, project_id)
        SELECT id * {ROWID_STRIDE} + {FAQ_OFFSET}, question, answer, '', 'faq', id, project_id FROM faq_items
        WHERE TRIM(answer) != ''""",
]
