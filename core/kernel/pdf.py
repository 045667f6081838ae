"""PDF documents: the table documents of `core.kernel.documents` (a merchant report, first) as an A4
PDF a merchant can file, drawn with ReportLab.

Chinese text needs a Chinese font. A TrueType one installed on the machine (fontconfig's list,
e.g. WenQuanYi Micro Hei from `make fonts`) is embedded, subset, so the file reads the same
everywhere; without one the PDF names Adobe's standard Chinese font (STSong-Light), which PDF
readers supply themselves. Every page carries the title, the company and "第 n 页 / 共 m 页".
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

STANDARD_CHINESE_FONT = "STSong-Light"
EMBEDDED_NAME = "ConsoleCJK"
_PREFERRED = ("wqy-microhei", "wqy-zenhei", "NotoSansSC", "SourceHanSans", "simhei", "simsun", "msyh")


def chinese_font_files() -> list[tuple[str, int]]:
    """The Chinese TrueType fonts fontconfig knows on this machine (ReportLab embeds TrueType outlines,
    not CFF ones such as Noto Sans CJK's), as (file, index in a collection), preferred first."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(
        ["fc-list", ":lang=zh:fontformat=TrueType", "--format", "%{file}\t%{index}\n"],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    found = []
    for line in listed.splitlines():
        path, _, index = line.partition("\t")
        if path.lower().endswith((".ttf", ".ttc")):
            found.append((path, int(index or 0)))
    rank = {name.lower(): i for i, name in enumerate(_PREFERRED)}
    return sorted(set(found), key=lambda f: (min((r for n, r in rank.items() if n in f[0].lower()), default=99), f))


@lru_cache(maxsize=4)
def register_font(font_file: str | None, index: int = 0) -> str:
    """Register the font the PDF is written in and return its name: the TrueType file when given and
    usable, else Adobe's standard Chinese font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if font_file:
        name = f"{EMBEDDED_NAME}-{abs(hash((font_file, index))) % 10**8}"
        try:
            pdfmetrics.registerFont(TTFont(name, font_file, subfontIndex=index))
            return name
        except (TTFError, OSError, ValueError):
            pass
    pdfmetrics.registerFont(UnicodeCIDFont(STANDARD_CHINESE_FONT))
    return STANDARD_CHINESE_FONT


@lru_cache(maxsize=1)
def default_font() -> tuple[str | None, int]:
    """The first usable Chinese TrueType font of the machine, or (None, 0) for the standard one."""
    for path, index in chinese_font_files():
        if register_font(path, index) != STANDARD_CHINESE_FONT:
            return path, index
    return None, 0


def tables_pdf(
    title: str,
    meta: str,
    sections: Mapping[str, pd.DataFrame],
    none_text: str,
    page_text: str = "第 {page} 页 / 共 {pages} 页",
    font: tuple[str | None, int] | None = None,
) -> bytes:
    """The document of `core.kernel.documents.tables_document` as PDF: the title, the meta line, then
    each section's heading and table (its header repeated on every page it runs over), `none_text`
    for an empty one. `font` is (TrueType file, index); default: the machine's Chinese font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.doctemplate import LayoutError

    font_file, index = font if font is not None else default_font()
    name = register_font(font_file, index)
    body = ParagraphStyle("body", fontName=name, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=9, leading=12, textColor=colors.HexColor("#212529"))
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=20, spaceAfter=2 * mm)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11.5, leading=15, spaceBefore=5 * mm, spaceAfter=1.5 * mm,
                        textColor=colors.HexColor("#d9480f"))  # fmt: skip
    small = ParagraphStyle("small", parent=body, fontSize=8.5, textColor=colors.HexColor("#666666"))

    def cell(value: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(_escape(value), style)

    width = A4[0] - 28 * mm

    def measure(text: str) -> float:
        return max((stringWidth(line, name, body.fontSize) for line in text.split("\n")), default=0.0)

    def make_story() -> list[Any]:  # each pass lays out fresh flowables (a split table is changed by it)
        story: list[Any] = [cell(title, h1), cell(meta, small)]
        for heading, frame in sections.items():
            story.append(cell(heading, h2))
            if frame is None or frame.empty:
                story.append(cell(none_text, small))
                continue
            rows = [[cell(c, head) for c in frame.columns]]
            rows += [[cell(v) for v in record] for record in frame.astype(object).itertuples(index=False, name=None)]
            table = Table(rows, repeatRows=1, colWidths=column_widths(frame, width, measure))
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#cccccc")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f1ee")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 4),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ]
                )
            )
            story += [table, Spacer(1, 1 * mm)]
        return story

    def footer(canvas: Any, doc: Any, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(name, 8)
        canvas.setFillColor(colors.HexColor("#868e96"))
        canvas.drawString(14 * mm, 8 * mm, title[:80])
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, page_text.format(page=doc.page, pages=pages))
        canvas.restoreState()

    def build(pages: int) -> tuple[bytes, int]:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                                bottomMargin=16 * mm, title=title, author=meta)  # fmt: skip
        try:
            doc.build(make_story(), onFirstPage=lambda c, d: footer(c, d, pages),
                      onLaterPages=lambda c, d: footer(c, d, pages))  # fmt: skip
        except LayoutError as exc:  # a cell taller than a page: say what, never a crash page
            raise ValueError(f"the document cannot be laid out on A4: {exc}") from None
        return out.getvalue(), doc.page

    _, pages = build(0)  # the first pass counts the pages, the second writes "共 m 页"
    return build(pages)[0]


def column_widths(
    frame: pd.DataFrame, width: float, measure: Callable[[str], float], padding: float = 9.0
) -> list[float]:
    """Widths of a table's columns on a line `width` wide, from each column's natural width (its widest
    cell as `measure` gives it, plus `padding`; a header counts half, it wraps onto two lines). When
    they all fit, each grows in proportion. When they do not, a column narrower than a fair share
    (a date, an amount, an order number) keeps its natural width and stays on one line; the wide
    ones (names, explanations) share the rest and wrap."""
    natural = []
    for column in frame.columns:
        cells = ["" if v is None else str(v) for v in frame[column].tolist()]
        natural.append(max([measure(c) for c in cells] + [measure(str(column)) / 2]) + padding)
    total = sum(natural)
    if total <= width:
        return [n * width / total for n in natural]
    fixed: set[int] = set()
    while True:
        flexible = [i for i in range(len(natural)) if i not in fixed]
        rest = width - sum(natural[i] for i in fixed)
        narrow = [i for i in flexible if natural[i] <= rest / len(flexible)]
        if not narrow or len(narrow) == len(flexible):
            break
        fixed.update(narrow)
    if rest <= 0:  # too many columns for the page: every one in proportion
        return [n * width / total for n in natural]
    share = sum(natural[i] for i in flexible)
    return [natural[i] if i in fixed else rest * natural[i] / share for i in range(len(natural))]


def _escape(value: Any) -> str:
    """A value as ReportLab paragraph text: None and NaN empty, markup characters escaped."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
