"""An invoice as documents: its lines' labels in the reader's language, Excel sheets, a printable A4 page and a PDF.

Every value put into the page is escaped; a draft or approved invoice is marked as not final.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.billing.invoices import MERCHANT_STATUSES
from core.kernel import config, documents, formatting, i18n, pdf


def line_label(line: dict[str, Any], lang: str) -> str:
    """A line's label in the reader's language (a `<name>_key` parameter is translated)."""
    params = {
        (k[:-4] if k.endswith("_key") else k): (i18n.t(v, lang) if k.endswith("_key") else v)
        for k, v in line["label_params"].items()
    }
    return i18n.t(line["label"], lang, **params)


def input_value(item: dict[str, str], lang: str) -> str:
    """An explanation input's value ('@key' is a catalogue key)."""
    value = item["value"]
    return i18n.t(value[1:], lang) if value.startswith("@") else value


def invoice_frames(invoice: dict[str, Any], lang: str = "zh") -> dict[str, pd.DataFrame]:
    """An invoice as Excel sheets: the head, then every line with its calculation."""
    t = i18n.translator(lang)
    head = pd.DataFrame(
        [
            (t("billing.company"), config.COMPANY_NAME),
            (t("billing.c.number"), invoice["number"]),
            (t("billing.c.merchant"), invoice["merchant_name"]),
            (t("billing.c.project"), invoice["project_name"]),
            (t("billing.c.contract"), invoice["contract_number"]),
            (t("billing.c.month"), invoice["month"]),
            (t("billing.c.period"), f"{invoice['period_start']} – {invoice['period_end']}"),
            (t("billing.c.days"), f"{invoice['days']} / {invoice['month_days']}"),
            (t("billing.c.status"), t(f"billing.status.{invoice['status']}")),
            (t("billing.c.due_date"), invoice["due_date"] or "—"),
            (t("billing.c.total"), formatting.amount(invoice["total"])),
            (t("billing.c.paid"), formatting.amount(invoice["paid"])),
        ],
        columns=[t("billing.c.item"), t("billing.c.value")],
    )
    lines = pd.DataFrame(
        [
            {
                t("billing.c.item"): line_label(line, lang),
                t("billing.c.formula"): t(line["explanation"]["formula"]),
                t("billing.c.calc"): line["explanation"].get("calc", ""),
                t("billing.c.amount"): float(line["amount"]),
            }
            for line in invoice["lines"]
        ],
        columns=[t("billing.c.item"), t("billing.c.formula"), t("billing.c.calc"), t("billing.c.amount")],
    )
    return {t("billing.sheet.invoice"): head, t("billing.sheet.lines"): lines}


def _not_final(invoice: dict[str, Any], t) -> str | None:
    """The notice a draft or approved invoice carries: the merchant has not got it yet, figures may change."""
    if invoice["status"] in MERCHANT_STATUSES:
        return None
    return t("billing.not_final", status=t("billing.status." + invoice["status"]))


def invoice_pdf(invoice: dict[str, Any], lang: str = "zh") -> bytes:
    """An invoice as an A4 PDF: the head and the lines of the workbook, amounts as money with the total
    last; a draft or approved invoice says in its first line that it is not final."""
    t = i18n.translator(lang)
    title = t("billing.invoice_title", month=invoice["month"], number=invoice["number"])
    notice = _not_final(invoice, t)
    meta = config.COMPANY_NAME + (f" · {notice}" if notice else "") + f" · {t('billing.footer', at=config.now_text())}"
    (head_name, head), (lines_name, lines) = invoice_frames(invoice, lang).items()
    amount = t("billing.c.amount")
    shown = lines.assign(**{amount: [formatting.amount(v) for v in lines[amount]]})
    total = {column: "" for column in shown.columns}
    total.update({t("billing.c.item"): t("billing.c.total"), amount: formatting.amount(invoice["total"])})
    shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
    return pdf.tables_pdf(title, meta, {head_name: head, lines_name: shown}, t("billing.none"), t("pdf.page"))


def invoice_html(invoice: dict[str, Any], lang: str = "zh") -> str:
    """An invoice as a printable A4 page with the outsourcer's name (every value escaped)."""
    t = i18n.translator(lang)
    e = documents.escape
    meta = [
        (t("billing.c.merchant"), invoice["merchant_name"]),
        (t("billing.c.project"), invoice["project_name"]),
        (t("billing.c.contract"), invoice["contract_number"]),
        (t("billing.c.period"), f"{invoice['period_start']} – {invoice['period_end']}"),
        (t("billing.c.days"), f"{invoice['days']} / {invoice['month_days']}"),
        (t("billing.c.status"), t(f"billing.status.{invoice['status']}")),
        (t("billing.c.due_date"), invoice["due_date"] or "—"),
    ]
    body = "".join(
        f"<tr><td>{e(line_label(line, lang))}</td>"
        f"<td class='calc'>{e(t(line['explanation']['formula']))}<br>{e(line['explanation'].get('calc', ''))}</td>"
        f"<td class='num'>{e(formatting.amount(line['amount']))}</td></tr>"
        for line in invoice["lines"]
    )
    title = t("billing.invoice_title", month=invoice["month"], number=invoice["number"])
    not_final = _not_final(invoice, t)
    table = (
        f"<table><tr><th>{e(t('billing.c.item'))}</th><th>{e(t('billing.c.calc'))}</th>"
        f'<th class="num">{e(t("billing.c.amount"))}</th></tr>\n{body}\n'
        f'<tr class="total"><td colspan="2">{e(t("billing.c.total"))}</td>'
        f'<td class="num">{e(formatting.amount(invoice["total"]))}</td></tr></table>'
    )
    return documents.statement(title, title, not_final, meta, table, t("billing.footer", at=config.now_text()), lang)
