"""Reading a summary export's bytes into a grid of text cells (row 1 = index 0), or refusing the file.

Rules, each tested in tests/core/kpi/test_summary_import.py:

Files
    The content decides, not the name: a zip is read as XLSX (first sheet with data; cells
    formatted as percent are read as percentages), anything else as CSV/TSV (comma, tab or
    semicolon; UTF-8 with or without BOM, else GB18030, a superset of GBK; UTF-16 with BOM as
    Excel's "Unicode text" saves it). Legacy .xls, a ".xlsx" that is not a zip, files over
    `max_bytes`, xlsx files that unpack to more than 10 × `max_bytes`, and text that does not look
    like a table (NUL or control characters, no separator in the first lines) are refused with
    one file-level error, before any parsing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from typing import Any
from xml.etree import ElementTree

import python_calamine

from core.kpi.summary_cells import MAX_ABS_NUMBER
from core.kpi.summary_errors import SummaryError

HEADER_SCAN_ROWS = 10
MAX_HEADER_CHARS = 10_000  # a header line longer than this is not a header
MAX_BYTES = 20_000_000


XLSX_UNPACKED_FACTOR = 10  # an .xlsx may unpack to this many times max_bytes (zip-bomb guard)


CONTROL_CHAR_LIMIT = 0.01  # share of control characters above which text is binary, not a table


class FileRefused(Exception):
    """Internal: the file as a whole cannot be read; carries the file-level error."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.error = SummaryError(None, None, code, params)


def read_grid(data: bytes, filename: str, max_bytes: int) -> list[list[str]]:
    if len(data) > max_bytes:
        raise FileRefused("file_too_large", size=len(data), limit=max_bytes)
    if not data.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n\x00"):
        raise FileRefused("empty_file")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, max_bytes)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRefused("legacy_xls")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileRefused("bad_xlsx")
    return _read_csv(_decode(data))


def _decode(data: bytes) -> str:
    # Excel's "Unicode text" is UTF-16 with a BOM; otherwise UTF-8, else GBK's superset GB18030.
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("bad_encoding")


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _sniff_delimiter(text: str) -> str | None:
    """The column separator of text that looks like a table, or None: binary-looking text, or no
    ",", tab or ";" in the first lines (title rows may come first), or an absurd first line."""
    sample = text[:65_536]
    if "\x00" in sample or len(_CONTROL_CHARS.findall(sample)) > CONTROL_CHAR_LIMIT * len(sample):
        return None
    lines = list(itertools.islice((line for line in sample.splitlines() if line.strip()), HEADER_SCAN_ROWS))
    if not lines or len(lines[0]) > MAX_HEADER_CHARS:
        return None
    counts = {sep: max(line.count(sep) for line in lines) for sep in ",\t;"}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else None


def _read_csv(text: str) -> list[list[str]]:
    if not text.strip():
        raise FileRefused("empty_file")
    delimiter = _sniff_delimiter(text)
    if delimiter is None:
        raise FileRefused("not_a_table")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:  # an unterminated quote running into a huge field, a NUL, ...
        raise FileRefused("not_a_table") from None


def _cell_text(value: Any, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if not value.isascii():
            value = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        if "%" in number_format:  # a percent-formatted cell holds the fraction
            return f"{round(value * 100, 10)!r}%"
        if isinstance(value, float) and value.is_integer() and abs(value) < MAX_ABS_NUMBER:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return repr(value.total_seconds())
    return str(value)


def _read_xlsx(data: bytes, max_bytes: int) -> list[list[str]]:
    """The first worksheet with data as text cells. Values come from calamine (a Rust reader,
    ~10x faster than openpyxl on a 100,000-row export); calamine does not report number formats,
    so the cells formatted as percent are found in the sheet's XML (`_percent_cells`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > XLSX_UNPACKED_FACTOR * max_bytes:
                raise FileRefused("file_too_large", size=unpacked, limit=XLSX_UNPACKED_FACTOR * max_bytes)
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            try:
                for index, meta in enumerate(book.sheets_metadata):
                    if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                        continue
                    values = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
                    if not any(any(v != "" and v is not None for v in row) for row in values):
                        continue
                    percent = _percent_cells(archive, meta.name)
                    # Most cells are text, which calamine gives as valid str: kept as they are.
                    return [
                        [
                            value if value.__class__ is str else _cell_text(value, "%" if (r, c) in percent else "")
                            for c, value in enumerate(row)
                        ]
                        for r, row in enumerate(values)
                    ]
            finally:
                book.close()
    except FileRefused:
        raise
    except Exception:  # calamine, zipfile and the XML parser raise many kinds for a broken workbook
        raise FileRefused("bad_xlsx") from None
    raise FileRefused("empty_file")


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


_PERCENT_BUILTIN_FORMATS = {9, 10}  # "0%", "0.00%"


_REF_ATTR = re.compile(rb"\sr=[\"']([A-Z]{1,3})(\d+)[\"']")


_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c$")


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indices of the workbook's cell formats (cellXfs) whose number format shows a percent."""
    try:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return set()
    percent_formats = set(_PERCENT_BUILTIN_FORMATS)
    for fmt in styles.iter(f"{_MAIN_NS}numFmt"):
        if "%" in fmt.get("formatCode", ""):
            percent_formats.add(int(fmt.get("numFmtId", "-1")))
    cell_xfs = styles.find(f"{_MAIN_NS}cellXfs")
    if cell_xfs is None:
        return set()
    return {
        i for i, xf in enumerate(cell_xfs.findall(f"{_MAIN_NS}xf")) if int(xf.get("numFmtId", "0")) in percent_formats
    }


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member of the worksheet called `sheet_name` (workbook.xml → its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next(
        (s.get(f"{_REL_NS}id") for s in workbook.iter(f"{_MAIN_NS}sheet") if s.get("name") == sheet_name), None
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter(f"{_PKG_REL_NS}Relationship") if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _percent_cells(archive: zipfile.ZipFile, sheet_name: str) -> set[tuple[int, int]]:
    """(row, column), 0-based, of the sheet's cells formatted as percent. A regex over the XML
    finds them (only cells with a style attribute can be percent); a cell written without its
    `r` reference (allowed, rare) sends the sheet through the slower position-counting parse."""
    styles = _percent_styles(archive)
    if not styles:
        return set()
    path = _sheet_path(archive, sheet_name)
    if path is None:
        return set()
    xml = archive.read(path)
    # Only the style attribute of a percent format is searched for (a literal: fast), then the
    # tag around each hit is read.
    attribute = re.compile(rb"\ss=[\"'](?:" + b"|".join(str(i).encode() for i in sorted(styles)) + rb")[\"']")
    cells: set[tuple[int, int]] = set()
    for match in attribute.finditer(xml):
        start = xml.rfind(b"<", 0, match.start())
        end = xml.find(b">", match.end())
        name_end = start + 1
        while name_end < len(xml) and xml[name_end] not in b" \t\r\n/>":
            name_end += 1
        if not _CELL_START.match(xml, start, name_end):
            continue  # a row or column style, not a cell
        ref = _REF_ATTR.search(xml, start, end)
        if ref is None:
            return _percent_cells_by_position(xml, styles)
        cells.add((int(ref.group(2)) - 1, _column_index(ref.group(1))))
    return cells


def _percent_cells_by_position(xml: bytes, styles: set[int]) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    row_index, col_index = -1, -1
    for _, element in ElementTree.iterparse(io.BytesIO(xml), events=("start",)):
        if element.tag == f"{_MAIN_NS}row":
            row_index = int(element.get("r", row_index + 2)) - 1
            col_index = -1
        elif element.tag == f"{_MAIN_NS}c":
            ref = element.get("r")
            match = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref or "")
            col_index = _column_index(match.group(1).encode()) if match else col_index + 1
            if int(element.get("s", "0")) in styles:
                cells.add((row_index, col_index))
    return cells
