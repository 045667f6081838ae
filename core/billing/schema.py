"""Schema of quotes, contracts and monthly billing of merchants (applied by core.kernel.migrations).

A change after this migration has shipped is a new migration appended to core.kernel.migrations,
never an edit here.

What the database itself guards (core checks first; triggers make sure):
- a price list version is never changed: a new price is a new row with its effective date;
- a quote that left draft (sent, accepted, declined) keeps its content; only its status moves;
- contract terms are never updated or deleted: a change is an amendment row with its effective date;
- the lines of an invoice that is not a draft cannot be inserted, changed or deleted, and an
  issued or paid invoice keeps its amounts, number and month for good.
"""

from __future__ import annotations


def _lines_locked(event: str, row: str) -> str:
    return f"""CREATE TRIGGER billing_invoice_lines_locked_{event.lower()} BEFORE {event} ON billing_invoice_lines
       WHEN (SELECT status FROM billing_invoices WHERE id = {row}.invoice_id) <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'the invoice is no longer a draft: its lines are locked'); END"""


M010_BILLING: list[str] = [
    """CREATE TABLE billing_price_lists (
        id INTEGER PRIMARY KEY,
        effective_from TEXT NOT NULL,
        data TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id)
    )""",
    "CREATE INDEX idx_billing_price_lists_from ON billing_price_lists(effective_from)",
    """CREATE TRIGGER billing_price_lists_frozen BEFORE UPDATE ON billing_price_lists
       BEGIN SELECT RAISE(ABORT, 'a price list is never changed: save a new one with its effective date'); END""",
    """CREATE TABLE billing_quotes (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL,
        version INTEGER NOT NULL,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        status TEXT NOT NULL CHECK (status IN ('draft','sent','accepted','declined')),
        price_list_id INTEGER NOT NULL REFERENCES billing_price_lists(id),
        request TEXT NOT NULL,
        proposal TEXT NOT NULL,
        monthly_total REAL NOT NULL,
        valid_until TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        sent_at TEXT,
        decided_at TEXT,
        decided_by INTEGER REFERENCES users(id),
        UNIQUE (number, version)
    )""",
    "CREATE INDEX idx_billing_quotes_project ON billing_quotes(project_id)",
    """CREATE TRIGGER billing_quotes_frozen BEFORE UPDATE ON billing_quotes
       WHEN OLD.status <> 'draft' AND (NEW.request IS NOT OLD.request OR NEW.proposal IS NOT OLD.proposal
            OR NEW.monthly_total IS NOT OLD.monthly_total OR NEW.valid_until IS NOT OLD.valid_until
            OR NEW.price_list_id IS NOT OLD.price_list_id OR NEW.project_id IS NOT OLD.project_id
            OR NEW.number IS NOT OLD.number OR NEW.version IS NOT OLD.version OR NEW.status = 'draft')
       BEGIN SELECT RAISE(ABORT, 'a quote that was sent keeps its content: make a new version'); END""",
    """CREATE TABLE billing_contracts (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        project_id INTEGER NOT NULL UNIQUE REFERENCES projects(id),
        quote_id INTEGER NOT NULL REFERENCES billing_quotes(id),
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        payment_terms TEXT NOT NULL CHECK (payment_terms IN ('prepaid','postpaid')),
        payment_days INTEGER NOT NULL,
        handover_plan TEXT NOT NULL DEFAULT '',
        notice_rules TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id)
    )""",
    """CREATE TABLE billing_contract_terms (
        id INTEGER PRIMARY KEY,
        contract_id INTEGER NOT NULL REFERENCES billing_contracts(id),
        seq INTEGER NOT NULL,
        effective_from TEXT NOT NULL,
        terms TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id),
        UNIQUE (contract_id, seq)
    )""",
    "CREATE INDEX idx_billing_contract_terms_contract ON billing_contract_terms(contract_id, effective_from)",
    """CREATE TRIGGER billing_contract_terms_frozen_update BEFORE UPDATE ON billing_contract_terms
       BEGIN SELECT RAISE(ABORT, 'contract terms are never changed: record an amendment'); END""",
    """CREATE TRIGGER billing_contract_terms_frozen_delete BEFORE DELETE ON billing_contract_terms
       BEGIN SELECT RAISE(ABORT, 'contract terms are never deleted: record an amendment'); END""",
    """CREATE TABLE billing_credits (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        month TEXT NOT NULL,
        amount REAL NOT NULL CHECK (amount > 0),
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id)
    )""",
    "CREATE INDEX idx_billing_credits_project_month ON billing_credits(project_id, month)",
    """CREATE TABLE billing_invoices (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        contract_id INTEGER NOT NULL REFERENCES billing_contracts(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        merchant_id INTEGER NOT NULL REFERENCES merchants(id),
        month TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        days INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft','approved','issued','paid')),
        total REAL NOT NULL,
        computed_at TEXT NOT NULL,
        computed_by INTEGER REFERENCES users(id),
        approved_at TEXT,
        approved_by INTEGER REFERENCES users(id),
        issued_at TEXT,
        issued_by INTEGER REFERENCES users(id),
        due_date TEXT,
        paid_on TEXT,
        paid_amount REAL,
        paid_by INTEGER REFERENCES users(id),
        payment_note TEXT NOT NULL DEFAULT '',
        UNIQUE (contract_id, month)
    )""",
    "CREATE INDEX idx_billing_invoices_month ON billing_invoices(month)",
    "CREATE INDEX idx_billing_invoices_merchant ON billing_invoices(merchant_id)",
    """CREATE TRIGGER billing_invoices_issued_frozen BEFORE UPDATE ON billing_invoices
       WHEN OLD.status IN ('issued','paid') AND (NEW.total IS NOT OLD.total OR NEW.number IS NOT OLD.number
            OR NEW.month IS NOT OLD.month OR NEW.contract_id IS NOT OLD.contract_id OR NEW.days IS NOT OLD.days
            OR NEW.period_start IS NOT OLD.period_start OR NEW.period_end IS NOT OLD.period_end
            OR NEW.issued_at IS NOT OLD.issued_at OR NEW.due_date IS NOT OLD.due_date
            OR NEW.status NOT IN ('issued','paid'))
       BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes'); END""",
    """CREATE TRIGGER billing_invoices_issued_kept BEFORE DELETE ON billing_invoices
       WHEN OLD.status <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'only a draft invoice can be removed'); END""",
    """CREATE TABLE billing_invoice_lines (
        id INTEGER PRIMARY KEY,
        invoice_id INTEGER NOT NULL REFERENCES billing_invoices(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        label_params TEXT NOT NULL DEFAULT '{}',
        amount REAL NOT NULL,
        explanation TEXT NOT NULL
    )""",
    "CREATE INDEX idx_billing_invoice_lines_invoice ON billing_invoice_lines(invoice_id)",
    _lines_locked("INSERT", "NEW"),
    _lines_locked("UPDATE", "OLD"),
    _lines_locked("DELETE", "OLD"),
    """CREATE TABLE billing_invoice_events (
        id INTEGER PRIMARY KEY,
        invoice_id INTEGER NOT NULL REFERENCES billing_invoices(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        by INTEGER REFERENCES users(id),
        action TEXT NOT NULL CHECK (action IN ('compute','approve','reopen','issue','pay')),
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX idx_billing_invoice_events_invoice ON billing_invoice_events(invoice_id)",
]
