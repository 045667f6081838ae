"""The app's pages and which role sees which: st.navigation is built from this per user."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.permissions import page_allowed


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str
    title_key: str
    icon: str
    group_key: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "app_pages/home.py", "nav.home", ":material/home:", "nav.group.main"),
    PageSpec("merchants", "app_pages/merchants.py", "nav.merchants", ":material/storefront:", "nav.group.main"),
    PageSpec("projects", "app_pages/projects.py", "nav.projects", ":material/assignment:", "nav.group.main"),
    # -- kpi pages --
    PageSpec("kpi_dashboard", "app_pages/kpi_dashboard.py", "nav.kpi_dashboard", ":material/monitoring:", "nav.group.kpi"),
    PageSpec("kpi_company", "app_pages/kpi_company.py", "nav.kpi_company", ":material/dashboard:", "nav.group.kpi"),
    PageSpec("kpi_import", "app_pages/kpi_import.py", "nav.kpi_import", ":material/upload_file:", "nav.group.kpi"),
    PageSpec("my_kpi", "app_pages/my_kpi.py", "nav.my_kpi", ":material/person_check:", "nav.group.kpi"),
    # -- team & training pages --
    # -- qa & complaints pages --
    PageSpec("users", "app_pages/users.py", "nav.users", ":material/group:", "nav.group.admin"),
    PageSpec("audit", "app_pages/audit.py", "nav.audit", ":material/history:", "nav.group.admin"),
    PageSpec("system", "app_pages/system.py", "nav.system", ":material/settings:", "nav.group.admin"),
    PageSpec("account", "app_pages/account.py", "nav.account", ":material/person:", "nav.group.me"),
)


def pages_for(role: str, t) -> dict[str, list[st.Page]]:
    """The navigation of a role: only its pages exist for it (others cannot be opened by URL)."""
    groups: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if page_allowed(role, spec.key):
            page = st.Page(spec.path, title=t(spec.title_key), icon=spec.icon, url_path=spec.key, default=spec.key == "home")
            groups.setdefault(t(spec.group_key), []).append(page)
    return groups
