"""The app's pages and which role sees which: st.navigation is built from this per user."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.kernel.permissions import page_allowed


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
    # -- knowledge base pages --
    PageSpec("kb", "app_pages/kb.py", "kb.nav.kb", ":material/menu_book:", "kb.nav.group"),
    PageSpec("phrases", "app_pages/phrases.py", "kb.nav.phrases", ":material/bolt:", "kb.nav.group"),
    PageSpec("memos", "app_pages/memos.py", "kb.nav.memos", ":material/sticky_note_2:", "kb.nav.group"),
    # -- meeting & reports pages --
    PageSpec("monday", "app_pages/monday.py", "nav.monday", ":material/groups:", "nav.group.main"),
    PageSpec("reports", "app_pages/reports.py", "nav.reports", ":material/summarize:", "nav.group.main"),
    # -- salary pages --
    PageSpec("salary", "app_pages/salary.py", "salary.nav.salary", ":material/payments:", "salary.nav.group"),
    PageSpec(
        "attendance",
        "app_pages/attendance.py",
        "salary.nav.attendance",
        ":material/event_available:",
        "salary.nav.group",
    ),
    PageSpec("my_pay", "app_pages/my_pay.py", "salary.nav.my_pay", ":material/receipt_long:", "salary.nav.group"),
    # -- kpi pages --
    PageSpec(
        "kpi_dashboard", "app_pages/kpi_dashboard.py", "nav.kpi_dashboard", ":material/monitoring:", "nav.group.kpi"
    ),
    PageSpec("kpi_company", "app_pages/kpi_company.py", "nav.kpi_company", ":material/dashboard:", "nav.group.kpi"),
    PageSpec("kpi_import", "app_pages/kpi_import.py", "nav.kpi_import", ":material/upload_file:", "nav.group.kpi"),
    PageSpec("reconcile", "app_pages/reconcile.py", "nav.reconcile", ":material/compare_arrows:", "nav.group.kpi"),
    PageSpec("my_kpi", "app_pages/my_kpi.py", "nav.my_kpi", ":material/person_check:", "nav.group.kpi"),
    # -- team & training pages --
    PageSpec("agents", "app_pages/agents.py", "team.nav.agents", ":material/badge:", "team.nav.group"),
    PageSpec("team", "app_pages/team.py", "team.nav.team", ":material/groups:", "team.nav.group"),
    PageSpec("training", "app_pages/training.py", "team.nav.training", ":material/school:", "team.nav.group"),
    # -- qa & complaints pages --
    PageSpec("qa", "app_pages/qa.py", "qa.nav.qa", ":material/fact_check:", "qa.nav.group"),
    PageSpec("qa_analysis", "app_pages/qa_analysis.py", "qa.nav.analysis", ":material/insights:", "qa.nav.group"),
    PageSpec("complaints", "app_pages/complaints.py", "qa.nav.complaints", ":material/report:", "qa.nav.group"),
    PageSpec("aftersales", "app_pages/aftersales.py", "qa.nav.aftersales", ":material/inventory_2:", "qa.nav.group"),
    # -- scheduling pages --
    PageSpec(
        "schedule", "app_pages/schedule.py", "schedule.nav.schedule", ":material/calendar_month:", "schedule.nav.group"
    ),
    PageSpec(
        "staffing", "app_pages/staffing.py", "schedule.nav.staffing", ":material/query_stats:", "schedule.nav.group"
    ),
    PageSpec(
        "my_schedule",
        "app_pages/my_schedule.py",
        "schedule.nav.my_schedule",
        ":material/event_note:",
        "schedule.nav.group",
    ),
    # -- billing pages --
    PageSpec("quotes", "app_pages/quotes.py", "billing.nav.quotes", ":material/request_quote:", "billing.nav.group"),
    PageSpec(
        "contracts", "app_pages/contracts.py", "billing.nav.contracts", ":material/handshake:", "billing.nav.group"
    ),
    PageSpec("billing", "app_pages/billing.py", "billing.nav.billing", ":material/receipt:", "billing.nav.group"),
    PageSpec(
        "receivables",
        "app_pages/receivables.py",
        "billing.nav.receivables",
        ":material/account_balance:",
        "billing.nav.group",
    ),
    PageSpec("users", "app_pages/users.py", "nav.users", ":material/group:", "nav.group.admin"),
    PageSpec("audit", "app_pages/audit.py", "nav.audit", ":material/history:", "nav.group.admin"),
    PageSpec("system", "app_pages/system.py", "nav.system", ":material/settings:", "nav.group.admin"),
    PageSpec("delivery", "app_pages/delivery.py", "delivery.nav", ":material/campaign:", "nav.group.admin"),
    PageSpec("account", "app_pages/account.py", "nav.account", ":material/person:", "nav.group.me"),
)


def pages_for(role: str, t) -> dict[str, list[st.Page]]:
    """The navigation of a role: only its pages exist for it (others cannot be opened by URL)."""
    groups: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if page_allowed(role, spec.key):
            page = st.Page(
                spec.path, title=t(spec.title_key), icon=spec.icon, url_path=spec.key, default=spec.key == "home"
            )
            groups.setdefault(t(spec.group_key), []).append(page)
    return groups
