"""The KPI settings a project agreed: what the engine counts (window, targets) for that project."""

from __future__ import annotations

import sqlite_utils

from core.kpi import engine
from core.projects import order_confirmation as oc


def settings_for(db: sqlite_utils.Database, project_id: int) -> engine.KpiSettings:
    """The KPI settings agreed in the project's confirmed order confirmation."""
    return engine.KpiSettings(**oc.kpi_settings(db, project_id))
