"""What a channel says: the day's alerts as its owner sees them on Home, or a project's weekly
merchant report as the merchant reads it, worded for a group robot (markdown) and for mail (text,
the printable report as HTML, the workbook attached)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from core.delivery.transport import Attachment
from core.kernel import config
from core.kernel.permissions import MERCHANT, Actor
from core.overview import home
from core.reports import merchant_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Message:
    """One message in every form a channel may need."""

    subject: str
    markdown: str  # for the group robots
    text: str  # the plain body of a mail
    html: str | None = None  # the mail's HTML body
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def alerts_message(
    db: sqlite_utils.Database, viewer: Actor, project_id: int | None, day: date, t: Callable[..., str]
) -> Message | None:
    """The alerts `viewer` has on Home on `day` (only those of the project, for a project's channel);
    None when there are none."""
    found = home.alerts(db, viewer, today=day)
    if project_id is not None:
        found = [a for a in found if a.get("project_id") == project_id]
    if not found:
        return None
    lines = [home.alert_text(a, t) for a in found]
    subject = t("delivery.alerts.subject", day=day.isoformat(), n=len(lines))
    markdown = "\n".join(f"- {line}" for line in lines)
    text = "\n".join(f"• {line}" for line in lines)
    footer = t("delivery.footer", company=config.COMPANY_NAME)
    return Message(subject=subject, markdown=f"{markdown}\n\n{footer}", text=f"{text}\n\n{footer}")


def report_reader(db: sqlite_utils.Database, project_id: int) -> Actor:
    """The merchant of the project, as the report is built for it: the weekly report pushed is exactly
    what the merchant reads in the app (no pay, no internal QA notes)."""
    project = db["projects"].get(project_id)
    return Actor(id=0, username="system", role=MERCHANT, display_name="system", merchant_id=project["merchant_id"])


def weekly_report_message(
    db: sqlite_utils.Database, project_id: int, anchor: date, t: Callable[..., str], today: date | None = None
) -> Message:
    """The merchant report of the week holding `anchor`: headline KPIs against targets in the text, the
    printable report as the mail's body, its PDF and workbook attached."""
    reader = report_reader(db, project_id)
    report = merchant_report.build(db, reader, project_id, "weekly", anchor, today=today)
    subject = merchant_report.title(report, t)
    lines = []
    for item in merchant_report.sections(report, t)[t("report.sheet.summary")].to_dict("records"):
        kpi, actual, target, met = (item[t(k)] for k in ("report.kpi", "report.actual", "report.target", "report.met"))
        mark = "" if not met else (" ✅" if met == t("yes") else " ⚠️")
        lines.append(t("delivery.report.line", kpi=kpi, actual=actual, target=target) + mark)
    footer = t("delivery.footer", company=config.COMPANY_NAME)
    body = "\n".join(f"- {line}" for line in lines) or t("delivery.report.no_figures")
    stem = f"{report['project']['merchant']}-{report['project']['name']}-{report['start']}"
    return Message(
        subject=subject,
        markdown=f"{body}\n\n{t('delivery.report.full_in_app')}\n\n{footer}",
        text=f"{body}\n\n{t('delivery.report.attached')}\n\n{footer}",
        html=merchant_report.to_html(report, t),
        attachments=(
            Attachment(f"{stem}.pdf", merchant_report.to_pdf(report, t), "application/pdf"),
            Attachment(f"{stem}.xlsx", merchant_report.to_xlsx(report, t), XLSX),
        ),
    )


def test_message(channel: dict[str, Any], t: Callable[..., str]) -> Message:
    """The message the settings page sends to check a channel."""
    subject = t("delivery.test.subject", name=channel["name"])
    body = t("delivery.test.body", company=config.COMPANY_NAME, at=config.now_text())
    return Message(subject=subject, markdown=body, text=body)
