"""Printable HTML documents: one page shell, one escaping rule and the A4 print styles they share.

Every printable page of the app (a merchant report, a quote, a billing statement, an invoice, an agent's
pay statement) is a self-contained HTML file the user opens and prints on A4. The rules:
- every value that comes from data is escaped (`escape`); only markup built here, or chart HTML that
  plotly wrote itself, is inserted as is;
- the page carries its own CSS (no external files), with `@page { size: A4 }` and rows that do not break
  across printed pages;
- statements (pay statement, invoice) share one layout: the outsourcer's name, the title, a "not final"
  notice while the figures may still change, a table of facts, the body and a footer with the time.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import pandas as pd

from core.kernel import config

# The style of statements (pay statement, invoice): compact A4, numbers right-aligned, the total in bold.
STATEMENT_STYLE = """@page { size: A4; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
  font-size: 10pt; color: #212529; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 11pt; margin: 4mm 0 1mm; }
.company { color: #495057; } .draft { color: #c92a2a; font-weight: bold; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #ced4da; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #f1f3f5; } .num { text-align: right; white-space: nowrap; } .calc { color: #495057; font-size: 8.5pt; }
table.meta { width: auto; margin-bottom: 3mm; } .meta td { border: none; padding: 0.6mm 6mm 0.6mm 0; }
tr.total td { font-weight: bold; background: #f1f3f5; font-size: 11pt; }
footer { margin-top: 4mm; color: #868e96; font-size: 8pt; }
@media screen { body { max-width: 190mm; margin: 8mm auto; } } @media print { tr { page-break-inside: avoid; } }"""

# The style of table documents (merchant reports, quotes, billing statements): one section per table.
TABLES_STYLE = (
    "@page{size:A4;margin:14mm}body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;"
    "font-size:11pt;color:#222}"
    "h1{font-size:16pt;margin:0 0 4px}h2{font-size:13pt;border-bottom:2px solid #d9480f;padding-bottom:2px;"
    "margin-top:18px}"
    ".meta{color:#666}table{border-collapse:collapse;width:100%;page-break-inside:auto}tr{page-break-inside:avoid}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#f6f1ee}.empty{color:#888}"
)


def escape(value: Any) -> str:
    """A value as HTML text: None is empty, everything else str() and escaped (quotes included)."""
    return html.escape("" if value is None else str(value))


def page(title: str, body: str, style: str, lang: str = "zh") -> str:
    """The page shell: doctype, language, charset, the (escaped) window title, the style and the body markup."""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>\n'
        f"<style>\n{style}\n</style></head><body>\n{body}\n</body></html>"
    )


def meta_table(pairs: Iterable[tuple[Any, Any]]) -> str:
    """A borderless table of label/value facts (escaped) under a statement's title."""
    return (
        '<table class="meta">'
        + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in pairs)
        + "</table>"
    )


def statement(
    title: str,
    heading: str,
    not_final: str | None,
    facts: Iterable[tuple[Any, Any]],
    body: str,
    footer: str,
    lang: str = "zh",
) -> str:
    """A statement page: the outsourcer's name, the heading, the "not final" notice when there is one (text,
    escaped here), the facts, the body markup and the footer text."""
    notice = f'<p class="draft">{escape(not_final)}</p>' if not_final else ""
    return page(
        title,
        f'<div class="company">{escape(config.COMPANY_NAME)}</div>\n<h1>{escape(heading)}</h1>{notice}\n'
        f"{meta_table(facts)}\n{body}\n<footer>{escape(footer)}</footer>",
        STATEMENT_STYLE,
        lang,
    )


def tables_document(
    heading: str,
    meta: str,
    tables: dict[str, pd.DataFrame],
    empty_text: str,
    charts: dict[str, str] | None = None,
    lang: str = "zh-CN",
) -> str:
    """A printable A4 page of tables: a title, a meta line, one section per table (cells escaped), optional
    chart HTML per section, `empty_text` for a table without rows."""
    parts = [f"<h1>{escape(heading)}</h1>", f"<p class='meta'>{escape(meta)}</p>"]
    for name, frame in tables.items():
        parts.append(f"<section><h2>{escape(name)}</h2>")
        if charts and name in charts:
            parts.append(charts[name])  # produced by plotly's own to_html, not from user text
        if frame.empty:
            parts.append(f"<p class='empty'>{escape(empty_text)}</p>")
        else:
            parts.append(frame.to_html(index=False, escape=True, border=0, na_rep="—"))
        parts.append("</section>")
    return page(heading, "".join(parts), TABLES_STYLE, lang)
