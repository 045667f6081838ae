"""Import of the platforms' daily per-agent summary exports (Excel or CSV).

Shops that give no raw chat logs give the summaries their backends export: one row per
(date, agent) with the platform's own figures. Header wording, order and units vary by platform
and month, so headers are matched against an alias table (`HEADER_ALIASES`, plain data: add a
wording there and it maps) and values are parsed by the kind of their field.

`read_summary(data, filename)` never raises for bad input: it returns a `SummaryPreview` with the
header mapping, the parsed rows and every problem found (`SummaryError`, a code plus params;
`format_error(err, "zh" | "en")` renders it). The caller saves nothing unless `preview.ok`.

Rules, each tested in tests/core/kpi/test_summary_import.py:

Agents
    `agent` keeps the name as written ("店铺:小美"); `agent_key` is the part after the last ":"
    or "：", stripped ("小美"), for matching to the roster. Duplicate rows are found on
    (date, agent_key), so "店铺:小美" and "小美" on one day are duplicates.
Rows
    Numbers are as a spreadsheet user sees them: the header is normally row 1 and the first data
    row row 2. Title rows above the header are skipped (the header is the first of the first ten
    rows naming at least two known fields, one of them date or agent). Blank rows are ignored;
    totals rows (合计, 总计, 汇总, 平均, Total) are skipped and listed in `skipped_rows`.
Errors
    File-level errors (row None) come first, then cell errors by row and column. Each is a code
    of `MESSAGES` with params, so pages can render it in the user's language; `format_error`
    gives "第5行 30秒应答率: 超过100%：150%" or "Row 5, 30秒应答率: rate over 100%: 150%".

The fields and their header wordings are in core.kpi.summary_fields, header mapping in
core.kpi.summary_headers, reading bytes into cells in core.kpi.summary_grid, cell values in
core.kpi.summary_cells, the problems and their messages in core.kpi.summary_errors.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from core.kernel.excel import FORMULA_PREFIXES, unescape_cell
from core.kpi import profiles
from core.kpi.profiles import row_label_kind
from core.kpi.summary_cells import parse_column
from core.kpi.summary_errors import SummaryError
from core.kpi.summary_fields import DATE, FIELDS, TEXT
from core.kpi.summary_grid import HEADER_SCAN_ROWS, MAX_BYTES, FileRefused, read_grid
from core.kpi.summary_headers import INVISIBLE, HeaderInfo, analyse_header, info_for, looks_like_figure, map_header

_TOTAL_MARKERS = {
    "合计",
    "总计",
    "汇总",
    "总和",
    "小计",
    "平均",
    "平均值",
    "均值",
    "total",
    "totals",
    "sum",
    "average",
    "avg",
}


@dataclass
class SummaryPreview:
    """What was read: show it, and save `rows` only when `ok`.

    `mapping` lists every non-blank header in file order with its canonical field (None when
    not used); `sources` says per header where its field came from ("profile", "alias",
    "template", "user") or "unused". `rows` has the canonical columns found, in `FIELDS` order
    (`agent_key` follows `agent`), indexed by spreadsheet row number (index name "row"); a cell
    that failed to parse is missing there and has its error in `errors`. Counts are Int64, other
    metrics float64 (rates as fractions, durations in seconds, money in yuan), dates
    `datetime.date`. A file without a date column gets its `day` from the file name, a banner row
    or the user (`day_source`); its rows carry that day.
    """

    filename: str
    mapping: list[tuple[str, str | None]]
    rows: pd.DataFrame
    errors: list[SummaryError]
    header_row: int | None = None
    skipped_rows: list[int] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # key of core.kpi.profiles, None = the general header table
    profile_source: str = "none"  # "detected", "chosen", "template", "none"
    template: dict | None = None  # the saved layout that mapped this file
    day: dt.date | None = None
    day_source: str | None = None  # "column", "filename", "banner", "user"
    day_range: tuple[dt.date, dt.date] | None = None  # a file name or banner naming several days
    skipped: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (row, label, "summary" | "benchmark" | "empty_agent")
    benchmarks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())  # peer rows by label
    pending: dict[int, list[str]] = field(default_factory=dict)  # row → fields the platform has not settled (延迟统计)
    unused_figures: list[str] = field(default_factory=list)  # unmapped headers that look like a figure
    headers: list[str] = field(default_factory=list)  # every non-blank header as written

    @property
    def ok(self) -> bool:
        """True only when nothing is wrong; the caller saves nothing otherwise."""
        return not self.errors

    @property
    def unmapped_headers(self) -> list[str]:
        return [header for header, name in self.mapping if name is None]

    @property
    def fields(self) -> set[str]:
        """The canonical fields some header maps to."""
        return {name for _, name in self.mapping if name}


def read_summary(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[float, str], None] | None = None,
    profile: str | None = None,
    overrides: Mapping[str, str | None] | None = None,
    day: dt.date | None = None,
    template_lookup: Callable[[list[str]], dict | None] | None = None,
) -> SummaryPreview:
    """Read a per-agent summary export (CSV or XLSX) into a preview. Never raises for bad input:
    every problem is in `preview.errors`. `progress(fraction, stage)` hears "read" (the file into
    cells, the first half) and "validate" (after each column).

    `profile`: a key of core.kpi.profiles to read the file with, "generic" for none, or None
    to detect it from the headers (and file name). `overrides`: header as written → field (or
    None: not used) the user chose; they win over everything. `day`: the day the user picked,
    used when neither a date column, the file name nor a banner row gives one.
    `template_lookup(headers)`: the saved layout of these headers, if any (its mapping and
    profile apply unless the caller overrides them)."""
    report = progress or (lambda fraction, stage: None)
    report(0.0, "read")
    try:
        grid = read_grid(data, filename, max_bytes)
    except FileRefused as refused:
        report(1.0, "done")
        return SummaryPreview(filename, [], _empty_rows(), [refused.error])
    report(0.5, "validate")
    preview = _preview_from_grid(
        filename, grid, report, profile=profile, overrides=overrides, day=day, template_lookup=template_lookup
    )
    report(1.0, "done")
    return preview


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(index=pd.Index([], dtype="int64", name="row"))


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def _find_header(grid: list[list[str]]) -> int:
    candidates = list(itertools.islice((i for i, row in enumerate(grid) if not _blank(row)), HEADER_SCAN_ROWS))
    for i in candidates:
        fields = {map_header(cell) for cell in grid[i] if cell.strip()}
        fields.discard(None)
        if len(fields) >= 2 and fields & {"date", "agent", "agent_name"}:
            return i
    best = max(candidates, key=lambda i: (sum(1 for c in grid[i] if map_header(c)), -i))
    return best if any(map_header(c) for c in grid[best]) else candidates[0]


_FILENAME_RANGE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})[_\-~至到 ]+(20\d{2})(\d{2})(\d{2})(?!\d)")


_FILENAME_ISO = re.compile(r"(?<!\d)(20\d{2})[-./年](\d{1,2})[-./月](\d{1,2})日?(?!\d)")


_FILENAME_STAMP = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?:\d{4}|\d{6})?(?!\d)")


def _valid_date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def days_in_text(text: str) -> tuple[dt.date, dt.date] | None:
    """The day (start == end) or range a file name or banner names: `_20261101_20261101_`,
    `2026-11-01`, `2026-11-01~2026-11-07`, `20261030`, `202611011230` (an export stamp)."""
    text = unicodedata.normalize("NFKC", text)
    match = _FILENAME_RANGE.search(text)
    if match:
        start, end = _valid_date(*match.groups()[:3]), _valid_date(*match.groups()[3:])
        if start and end:
            return (min(start, end), max(start, end))
    iso = [d for d in (_valid_date(*m.groups()) for m in _FILENAME_ISO.finditer(text)) if d]
    if iso:
        return (min(iso), max(iso))
    stamps = [d for d in (_valid_date(*m.groups()) for m in _FILENAME_STAMP.finditer(text)) if d]
    if stamps:
        return (min(stamps), max(stamps))
    return None


def _preview_from_grid(
    filename: str,
    grid: list[list[str]],
    report: Callable[[float, str], None] = lambda fraction, stage: None,
    *,
    profile: str | None = None,
    overrides: Mapping[str, str | None] | None = None,
    day: dt.date | None = None,
    template_lookup: Callable[[list[str]], dict | None] | None = None,
) -> SummaryPreview:

    if all(_blank(row) for row in grid):
        return SummaryPreview(filename, [], _empty_rows(), [SummaryError(None, None, "empty_file")])
    header_index = _find_header(grid)
    headers = [cell.strip().translate(INVISIBLE) for cell in grid[header_index]]
    width = len(headers)
    written = [h for h in headers if h]

    # The layout: a saved template, else the profile chosen or detected, else the general table.
    template = template_lookup(written) if template_lookup else None
    profile_source = "none"
    chosen: profiles.Profile | None = None
    if profile not in (None, "", "auto"):
        chosen = profiles.BY_KEY.get(str(profile))
        profile_source = "chosen" if chosen else "none"
    elif template and template.get("options", {}).get("profile"):
        chosen = profiles.BY_KEY.get(template["options"]["profile"])
        profile_source = "template" if chosen else "none"
    if chosen is None and profile in (None, "", "auto") and profile_source == "none":
        chosen = profiles.detect(written, filename)
        profile_source = "detected" if chosen else "none"
    user_map: dict[str, str | None] = {}
    if template:
        user_map.update(template.get("mapping", {}))
    if overrides:
        user_map.update(overrides)
    profile_aliases = {profiles.header_key(k): v for k, v in (chosen.aliases if chosen else {}).items()}

    file_errors: list[SummaryError] = []
    mapping: list[tuple[str, str | None]] = []
    sources: dict[str, str] = {}
    infos: list[tuple[int, str, HeaderInfo]] = []
    for position, header in enumerate(headers):
        if not header:
            continue
        if header in user_map and (user_map[header] is None or user_map[header] in FIELDS):
            name = user_map[header]
            source = ("user" if overrides and header in overrides else "template") if name else "unused"
            info = info_for(header, name) if name else HeaderInfo(None)
        elif profiles.header_key(header) in profile_aliases:
            name = profile_aliases[profiles.header_key(header)]
            info, source = (info_for(header, name), "profile") if name else (HeaderInfo(None), "unused")
        else:
            info = analyse_header(header)
            source = "alias" if info.field else "unused"
        infos.append((position, header, info))
        sources[header] = source

    # One agent column: the profile's preferred one, else the first; the others are display names.
    agent_like = [(p, h) for p, h, i in infos if i.field == "agent"]
    if len(agent_like) > 1:
        order = [profiles.header_key(h) for h in (chosen.agent_headers if chosen else ())]
        rank = lambda ph: order.index(profiles.header_key(ph[1])) if profiles.header_key(ph[1]) in order else len(order)  # noqa: E731
        keep = min(agent_like, key=lambda ph: (rank(ph), ph[0]))
        infos = [
            (p, h, HeaderInfo("agent_name") if i.field == "agent" and (p, h) != keep and sources[h] != "user" else i)
            for p, h, i in infos
        ]
    if not any(i.field == "agent" for _, _, i in infos):
        names = [(p, h) for p, h, i in infos if i.field == "agent_name"]
        if names:  # a display name is the agent when the file has no account column
            infos = [(p, h, HeaderInfo("agent") if (p, h) == names[0] else i) for p, h, i in infos]

    columns: dict[str, tuple[int, str, HeaderInfo]] = {}  # field → (position, header, info)
    for position, header, info in infos:
        mapping.append((header, info.field))
        if info.field is None:
            continue
        if info.field in columns:
            other = columns[info.field][1]
            file_errors.append(SummaryError(None, header, "duplicate_column", {"field": info.field, "other": other}))
        else:
            columns[info.field] = (position, header, info)
    unused_figures = [
        h
        for h, name in mapping
        if name is None and sources.get(h) == "unused" and looks_like_figure(h) and h not in user_map
    ]

    # The day: a date column, else the file name, else a banner row above the header, else the user.
    shop_level = bool(chosen and chosen.shop_level) or (
        "agent" not in columns
        and _shop_level_grid(grid, header_index, columns["date"][0] if "date" in columns else None)
    )
    day_source: str | None = "column" if "date" in columns else None
    day_range: tuple[dt.date, dt.date] | None = None
    the_day: dt.date | None = None
    if day_source is None:
        for source, text in (("filename", filename), ("banner", " ".join(" ".join(r) for r in grid[:header_index]))):
            found = days_in_text(text) if text.strip() else None
            if found:
                day_source, day_range = source, found
                break
        if day_range and day_range[0] != day_range[1]:
            file_errors.append(
                SummaryError(
                    None, None, "range_file", {"start": day_range[0].isoformat(), "end": day_range[1].isoformat()}
                )
            )
        elif day_range:
            the_day = day_range[0]
        elif day is not None:
            day_source, the_day = "user", day
        else:
            file_errors.append(SummaryError(None, None, "missing_day"))
    if "agent" not in columns and not shop_level:
        file_errors.append(SummaryError(None, None, "missing_column", {"field": "agent"}))
    if not any(FIELDS[name].kind not in (DATE, TEXT) for name in columns):
        file_errors.append(SummaryError(None, None, "no_metric_column"))
    base = dict(
        header_row=header_index + 1,
        sources=sources,
        profile=chosen.key if chosen else None,
        profile_source=profile_source,
        template=template,
        day=the_day,
        day_source=day_source,
        day_range=day_range,
        unused_figures=unused_figures,
        headers=written,
    )
    if (
        ("agent" not in columns and not shop_level)
        or (day_source is None)
        or (day_range and day_range[0] != day_range[1])
    ):
        # Without an agent or a day no row can be used: one clear error, not one per row.
        return SummaryPreview(filename, mapping, _empty_rows(), file_errors, **base)

    # Data rows: numbered as a spreadsheet shows them, blank ones dropped, padded to the header.
    cell_errors: list[tuple[int, int, SummaryError]] = []  # (row, position, error) for sorting
    numbers: list[int] = []
    body: list[list[str]] = []
    for index in range(header_index + 1, len(grid)):
        row = grid[index]
        if len(row) > width:
            extra = sum(1 for cell in row[width:] if cell.strip())
            if extra:
                cell_errors.append((index + 1, width, SummaryError(index + 1, None, "extra_cells", {"count": extra})))
            row = row[:width]
        if _blank(row):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        numbers.append(index + 1)
        body.append(row)
    if not body:
        file_errors.append(SummaryError(None, None, "no_data_rows"))
        return SummaryPreview(filename, mapping, _empty_rows(), file_errors, **base)

    # Each column is parsed once per distinct text (exports repeat dates, names, durations and
    # rates a lot), then spread back to the rows by position.
    cells = list(zip(*body))
    distinct: dict[str, pd.Series] = {}
    positions: dict[str, np.ndarray] = {}
    for name, (position, _, _) in columns.items():
        codes, uniques = pd.factorize(np.asarray(cells[position], dtype=object))
        positions[name] = codes
        distinct[name] = _clean(pd.Series(uniques, dtype="str"))

    # Summary and benchmark rows (汇总值, 全店平均值, 同行同层优秀, … in any text cell; a totals row
    # whose agent cell is empty) are not agents: skipped and listed; benchmarks kept.
    kinds = np.full(len(body), "", dtype=object)
    labels = np.full(len(body), "", dtype=object)
    for position in range(width):
        codes, uniques = pd.factorize(np.asarray(cells[position], dtype=object))
        marks = [profiles.row_label_kind(u) if isinstance(u, str) and len(u) <= 20 else None for u in uniques]
        if not any(marks):
            continue
        for i, code in enumerate(codes):
            if code >= 0 and marks[code] and not kinds[i]:
                kinds[i], labels[i] = marks[code], str(uniques[code]).strip()
    if "agent" in columns:
        agent_text = distinct["agent"].to_numpy()[positions["agent"]]
        empty_agent = (agent_text == "") | pd.Series(agent_text).str.lower().isin(["-", "--", "nan", "—"]).to_numpy()
        for i in np.flatnonzero(empty_agent & (kinds == "")):
            kinds[i], labels[i] = "empty_agent", ""
    skip = kinds != ""
    skipped = [(n, str(label), str(kind)) for n, kind, label, s_ in zip(numbers, kinds, labels, skip) if s_]
    skipped_rows = [n for n, _, _ in skipped]
    all_index = pd.Index(numbers, dtype="int64", name="row")
    index = all_index[~skip]
    if index.empty:
        file_errors.append(SummaryError(None, None, "no_data_rows"))

    out: dict[str, pd.Series] = {}
    bench_out: dict[str, pd.Series] = {}
    is_bench = kinds == "benchmark"
    pending: dict[int, list[str]] = {}
    for done, (name, (position, header, info)) in enumerate(columns.items()):
        report(0.5 + 0.5 * done / len(columns), "validate")
        at = positions[name][~skip]
        values, codes = parse_column(distinct[name], FIELDS[name], info)
        if name == "agent":
            out["agent_key"] = _agent_key(values).take(at).set_axis(index)
        out[name] = values.take(at).set_axis(index)
        if is_bench.any() and FIELDS[name].kind not in (DATE, TEXT):
            ok_values = values.where(codes.isna())
            bench_out[name] = ok_values.take(positions[name][is_bench]).set_axis(pd.Index(labels[is_bench]))
        code_of, text_of = codes.to_numpy(), distinct[name].to_numpy()
        pend = (codes == "pending").to_numpy()
        if pend.any():
            for row, i in zip(index.tolist(), at.tolist()):
                if pend[i]:
                    pending.setdefault(row, []).append(name)
        bad_distinct = (codes.notna() & (codes != "pending")).to_numpy()
        if bad_distinct.any():
            bad = bad_distinct[at]
            for row, i in zip(index[bad].tolist(), at[bad]):
                error = SummaryError(row, header, code_of[i], {"value": _shorten(text_of[i])})
                cell_errors.append((row, position, error))
    if day_source != "column":
        out["date"] = pd.Series([the_day] * len(index), index=index, dtype=object)
    if shop_level and "agent" not in out:
        out["agent"] = pd.Series(["店铺"] * len(index), index=index, dtype=object)
        out["agent_key"] = out["agent"]
    if "date" in out and "agent" in out:
        agent_column = columns["agent"][:2] if "agent" in columns else (0, "")
        cell_errors.extend(_duplicate_rows(out["date"], out["agent_key"], agent_column))

    ordered = {name: out[name] for name in FIELDS if name in out}
    rows = pd.DataFrame(ordered, index=index)
    benchmarks = pd.DataFrame(bench_out)
    benchmarks = benchmarks[~benchmarks.index.duplicated(keep="first")] if len(benchmarks) else benchmarks
    cell_errors.sort(key=lambda item: (item[0], item[1]))
    return SummaryPreview(
        filename,
        mapping,
        rows,
        file_errors + [err for _, _, err in cell_errors],
        skipped_rows=skipped_rows,
        skipped=skipped,
        benchmarks=benchmarks,
        pending=pending,
        **base,
    )


def _shop_level_grid(grid: list[list[str]], header_index: int, date_position: int | None) -> bool:
    """A file with no agent column is the shop's when its data is one row (Kuaishou's 店铺数据) or
    one row per date (a shop's daily series); otherwise its agent column is missing."""
    data_rows = [r for r in grid[header_index + 1 :] if not _blank(r)]
    if len(data_rows) == 1:
        return True
    if date_position is None:
        return False
    dates = [
        r[date_position].strip() if date_position < len(r) else ""
        for r in data_rows
        if not any(row_label_kind(c) for c in r if isinstance(c, str))
    ]
    return bool(dates) and len(set(dates)) == len(dates)


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _clean(series: pd.Series) -> pd.Series:
    """Cell text as the user meant it: trimmed, Excel's ="..." text wrapper and our own export's
    formula escape removed."""
    series = series.str.strip()
    wrapped = series.str.startswith('="') & series.str.endswith('"')
    if wrapped.any():
        series = series.where(~wrapped, series.str.slice(2, -1).str.strip())
    escaped = series.str.startswith("'") & series.str.slice(1, 2).isin(list(FORMULA_PREFIXES))
    if escaped.any():
        series = series.where(~escaped, series[escaped].map(unescape_cell))
    return series


def _agent_key(agent: pd.Series) -> pd.Series:
    return agent.str.replace(r"^.*[:：]", "", regex=True).str.strip()


def _duplicate_rows(
    dates: pd.Series, keys: pd.Series, agent_column: tuple[int, str]
) -> list[tuple[int, int, SummaryError]]:
    position, header = agent_column
    valid = dates.notna() & keys.notna() & (keys != "")
    frame = pd.DataFrame({"date": dates[valid], "key": keys[valid], "row": dates.index[valid.to_numpy()]})
    later = frame.duplicated(["date", "key"], keep="first")
    if not later.any():
        return []
    first = frame.groupby(["date", "key"], sort=False)["row"].transform("min")
    return [
        (int(row), position, SummaryError(int(row), header, "duplicate_row", {"first_row": int(first_row)}))
        for row, first_row in zip(frame["row"][later], first[later])
    ]
