"""Raw chat logs and order exports read into text cells, before any mapping.

CSV in UTF-8 with or without BOM, GB18030/GBK or UTF-16 (with or without its BOM), comma or tab
separated, or xlsx; trailing blank rows dropped; a header that appears twice (after
normalisation) refuses the file. `sniff_headers` reads only the header row, to tell our
canonical format without reading the whole file. Cells come out as text the way the
backends meant them: trimmed, `="…"` unwrapped (`clean_text`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.kpi import engine as kpi
from core.kpi.templates import normalise_header


@dataclass
class Cells:
    """A file read into text cells: the headers as written and one column per header."""

    headers: list[str]
    table: pd.DataFrame  # columns = headers (as written), cells str (xlsx: str or datetime)
    encoding: str
    rows_offset: int = 2  # spreadsheet row of the first data row


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without its BOM
        return data.decode("utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise kpi.KpiInputError([(line, "the file is not UTF-8, GB18030 or UTF-16 text")]) from None


def read_cells(data: bytes, filename: str) -> Cells:
    """Read a CSV (any of the encodings above, comma or tab separated) or xlsx file into text cells."""
    if not data or not data.strip():
        raise kpi.KpiInputError([(1, "the file is empty")])
    is_xlsx = data[:4] == b"PK\x03\x04" or str(filename).lower().endswith((".xlsx", ".xlsm", ".xls"))
    if is_xlsx:
        try:
            table = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="calamine")
        except Exception as exc:  # noqa: BLE001 - any reader failure is bad input
            raise kpi.KpiInputError([(1, f"cannot read the Excel file: {exc}")]) from None
        headers = [str(c) for c in table.columns]
        table.columns = headers
        for c in headers:
            table[c] = [_excel_cell(v) for v in table[c].tolist()]
        encoding = "xlsx"
    else:
        text, encoding = _decode(data)
        raw = data if encoding in ("utf-8", "utf-8-sig") else text.encode("utf-8")
        head = raw.split(b"\n", 1)[0]
        sep = "\t" if head.count(b"\t") > head.count(b",") else ","
        table = kpi.arrow_csv(raw) if sep == "," else None
        if table is None:
            body = raw.decode("utf-8-sig")
            try:
                table = pd.read_csv(
                    io.StringIO(body), dtype=str, keep_default_na=False, na_filter=False, sep=sep, skip_blank_lines=True
                )
            except pd.errors.EmptyDataError:
                raise kpi.KpiInputError([(1, "the file is empty")]) from None
            except pd.errors.ParserError:
                raise kpi.KpiInputError(kpi._csv_shape_errors(body)) from None
        headers = [str(c).lstrip("\ufeff") for c in table.columns]
        table.columns = headers
    seen: set[str] = set()
    for h in headers:
        key = normalise_header(h)
        if key and key in seen:
            raise kpi.KpiInputError([(1, f"column '{h.strip()}' appears more than once")])
        seen.add(key)
    keep = len(table)
    while keep and all(blank_cell(v) for v in table.iloc[keep - 1].tolist()):
        keep -= 1
    table = table.iloc[:keep].reset_index(drop=True)
    return Cells(headers=headers, table=table, encoding=encoding)


def blank_cell(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def _excel_cell(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return pd.Timestamp(v).round("s").to_pydatetime()
    if isinstance(v, (dt.date, dt.time)) or v is None:
        return v
    if isinstance(v, float):
        return "" if np.isnan(v) else (str(int(v)) if v.is_integer() else repr(v))
    return str(v)


def clean_text(col: pd.Series, *, apostrophe: bool = False) -> pd.Series:
    """Cells as clean text: trimmed (tabs too), `="…"` unwrapped, a lone tab empty; with
    `apostrophe` also the `'` Excel users put before long numbers (Taobao phones, ids)."""
    if col.dtype == object:
        col = pd.Series(
            ["" if blank_cell(v) else (v if isinstance(v, str) else str(v)) for v in col.tolist()],
            index=col.index,
            dtype="str",
        )
    text = col.fillna("").astype("str")
    text = text.str.strip()
    if text.str.startswith("=").any():
        text = text.str.replace(r'^="(.*)"$', r"\1", regex=True).str.strip()
    if apostrophe and text.str.startswith("'").any():
        text = text.str.replace(r"^'", "", regex=True)
    return text


def sniff_headers(data: bytes, filename: str) -> list[str] | None:
    """The header row of a file without reading the whole of it (None when it cannot be told)."""
    import csv

    if not data or not data.strip():
        return None
    if data[:4] == b"PK\x03\x04" or str(filename).lower().endswith((".xlsx", ".xlsm", ".xls")):
        try:
            return [str(c) for c in pd.read_excel(io.BytesIO(data), sheet_name=0, nrows=0, engine="calamine").columns]
        except Exception:  # noqa: BLE001 - the full read says what is wrong
            return None
    sample = data[:65536]
    if not sample.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\n" in sample:
        sample = sample[: sample.index(b"\n")]
    try:
        text, _ = _decode(
            sample if not sample.startswith((b"\xff\xfe", b"\xfe\xff")) else sample[: len(sample) // 2 * 2]
        )
    except (kpi.KpiInputError, UnicodeDecodeError):
        try:
            text = sample.decode("utf-8-sig", errors="ignore")
        except UnicodeDecodeError:
            return None
    line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    sep = "\t" if line.count("\t") > line.count(",") else ","
    return next(csv.reader([line], delimiter=sep), None)
