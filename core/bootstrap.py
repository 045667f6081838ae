"""The composition root: opens the store, brings its schema up to date, then the data steps.

Opening a connection (`core.kernel.db.connect`) imports no domain code; this module is the one
place that knows every capability's migrations, their numbers and the data steps computed in
Python that follow them. It sits above every capability, so a data step may call the domain
(e.g. the per-hour figures filled from stored chats after migration 12) without the kernel ever
importing a capability. The app (Home.py), the demo, the benchmarks and the tests open the store
through `open_store`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlite_utils

from core.agents.schema import M002_AGENTS
from core.billing.schema import M010_BILLING
from core.delivery.schema import M014_DELIVERY
from core.kb.schema import M008_KB
from core.kernel import migrations
from core.kernel.db import connect
from core.kernel.migrations import M001_FOUNDATION, DataStep
from core.kernel.schema_perf import M011_PERF
from core.kpi import hourly
from core.kpi.schema import M003_KPI
from core.kpi.schema_hourly import M012_KPI_HOURLY
from core.kpi.schema_imports import M013_IMPORTS
from core.overview.schema import M007_MEETING
from core.qa.schema import M005_QA
from core.salary.schema import M006_SALARY
from core.schedule.schema import M009_SCHEDULE
from core.team.schema import M004_TEAM

# The released migrations in their order: migration n is MIGRATIONS[n - 1]. A new migration is
# appended; a released one is never edited (tests/core/kernel/test_migrations.py hashes them).
MIGRATIONS: Sequence[Sequence[str]] = (
    M001_FOUNDATION,
    M002_AGENTS,
    M003_KPI,
    M004_TEAM,
    M005_QA,
    M006_SALARY,
    M007_MEETING,
    M008_KB,
    M009_SCHEDULE,
    M010_BILLING,
    M011_PERF,
    M012_KPI_HOURLY,
    M013_IMPORTS,
    M014_DELIVERY,
)

# Data steps by the migration they follow, run in that migration's transaction, once.
DATA_STEPS: Mapping[int, Sequence[DataStep]] = {
    12: (hourly.backfill,),  # the per-hour figures of chats stored before the table existed
}


def migrate(db: sqlite_utils.Database) -> int:
    """Apply every pending migration and its data steps; return the schema version."""
    return migrations.apply(db, MIGRATIONS, DATA_STEPS)


def open_store(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open the store (default: `config.db_path()`, or APP_DB) with its schema up to date."""
    db = connect(path)
    migrate(db)
    return db
