"""Excel in and out: exports that are safe to open, imports that say what is wrong.

Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, or a tab
or carriage return) is prefixed with a quote, so data typed by a buyer or a merchant can never
run as a formula on a colleague's machine.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_NAME = 31


def escape_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would treat as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_xlsx(
    sheets: dict[str, pd.DataFrame], formats: dict[str, dict[str, str | list[str | None]]] | None = None
) -> bytes:
    """An .xlsx file with one sheet per entry, text cells escaped, header row bold and frozen.

    `formats` gives number formats per sheet and column (one for the column, or one per row), so
    numbers stay numbers a spreadsheet can add up and still read as counts, yuan or percentages.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = frame.copy()
            safe.columns = [escape_cell(str(c)) for c in safe.columns]
            for column in safe.columns:
                if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
                    safe[column] = safe[column].map(escape_cell)
            sheet_name = (name or "Sheet")[:MAX_SHEET_NAME]
            safe.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for column, number_format in ((formats or {}).get(name) or {}).items():
                if column not in frame.columns:
                    continue
                letter = sheet.cell(row=1, column=list(frame.columns).index(column) + 1).column_letter
                per_row = number_format if isinstance(number_format, list) else [number_format] * len(frame)
                for offset, cell_format in enumerate(per_row):
                    if cell_format:
                        sheet[f"{letter}{offset + 2}"].number_format = cell_format
            for column_cells in sheet.columns:
                width = max(len(str(c.value or "")) for c in column_cells[:200])
                sheet.column_dimensions[column_cells[0].column_letter].width = min(max(10, width * 1.6), 60)
    return buffer.getvalue()


def unescape_cell(value: Any) -> Any:
    """Undo `escape_cell` on a round trip through our own export."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_PREFIXES:
        return value[1:]
    return value


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """Read the first sheet of an .xlsx, or a UTF-8/GBK .csv, as text cells (no type guessing).

    Raises ValueError with a short reason when the file is not a readable table.
    """
    name = filename.lower()
    if not data:
        raise ValueError("empty")
    try:
        if name.endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        elif name.endswith(".csv"):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    frame = pd.read_csv(io.BytesIO(data), dtype=str, encoding=encoding, keep_default_na=False)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise ValueError("encoding")
        else:
            raise ValueError("type")
    except ValueError as exc:
        if exc.args and exc.args[0] in ("type", "encoding"):
            raise
        raise ValueError("unreadable") from exc  # pandas' ParserError/EmptyDataError are ValueErrors too
    except Exception as exc:  # openpyxl/pandas raise many kinds for a broken file
        raise ValueError("unreadable") from exc
    frame = frame.fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(lambda v: unescape_cell(v.strip()) if isinstance(v, str) else v)
