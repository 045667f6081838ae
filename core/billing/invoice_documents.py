"""An invoice as documents: its lines' labels in the reader's language, Excel sheets and a printable A4 page.

Every value put into the page is escaped; a draft or approved invoice is marked as not final.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from core.billing.invoices import MERCHANT_STATUSES
from core.kernel import config, formatting, i18n


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
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
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


def invoice_html(invoice: dict[str, Any], lang: str = "zh") -> str:
    """An invoice as a printable A4 page with the outsourcer's name (every value escaped)."""
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    e = lambda value: html.escape("" if value is None else str(value))  # noqa: E731
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
    not_final = (
        ""
        if invoice["status"] in MERCHANT_STATUSES
        else f"<p class='draft'>{e(t('billing.not_final', status=t('billing.status.' + invoice['status'])))}</p>"
    )
    return (
        "<!doctype html>\n"
        f'<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>\n'
        "<style>\n"
        "@page { size: A4; margin: 12mm; }\n"
        'body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif;'
        " font-size: 10pt; color: #212529; margin: 0; }\n"
        "h1 { font-size: 15pt; margin: 0 0 2mm; } .company { color: #495057; }"
        " .draft { color: #c92a2a; font-weight: bold; }\n"
        "table { width: 100%; border-collapse: collapse; }"
        " th, td { border: 1px solid #ced4da; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }\n"
        "th { background: #f1f3f5; } .num { text-align: right; white-space: nowrap; }"
        " .calc { color: #495057; font-size: 8.5pt; }\n"
        "table.meta { width: auto; margin-bottom: 3mm; } .meta td { border: none; padding: 0.6mm 6mm 0.6mm 0; }\n"
        "tr.total td { font-weight: bold; background: #f1f3f5; font-size: 11pt; }"
        " footer { margin-top: 4mm; color: #868e96; font-size: 8pt; }\n"
        "@media screen { body { max-width: 190mm; margin: 8mm auto; } }"
        " @media print { tr { page-break-inside: avoid; } }\n"
        "</style></head><body>\n"
        f'<div class="company">{e(config.COMPANY_NAME)}</div>\n'
        f"<h1>{e(title)}</h1>{not_final}\n"
        f"""<table class="meta">{"".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in meta)}</table>\n"""
        f"""<table><tr><th>{e(t("billing.c.item"))}</th><th>{e(t("billing.c.calc"))}</th>"""
        f"""<th class="num">{e(t("billing.c.amount"))}</th></tr>\n"""
        f"{body}\n"
        f"""<tr class="total"><td colspan="2">{e(t("billing.c.total"))}</td>"""
        f"""<td class="num">{e(formatting.amount(invoice["total"]))}</td></tr></table>\n"""
        f"""<footer>{e(t("billing.footer", at=config.now_text()))}</footer>\n"""
        "</body></html>"
    )
