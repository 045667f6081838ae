"""Header mapping of the summary exports: a header's field, unit, dimension and flavour.

Rules, each tested in tests/core/kpi/test_summary_import.py:

Headers
    Normalised before lookup: Unicode NFKC (full-width brackets, colons and letters become
    half-width), BOM and zero-width characters removed, lower case, and every character that is
    not a letter or digit dropped ("Avg. Response-Time" == "avgresponsetime"). Text in brackets is
    a unit ("(秒)", "(元)", "(%)", "(分钟)", "(万元)") or a dimension ("(人维度)", "(会话维度)");
    anything else in brackets makes the header unmapped rather than guessed ("销售额(含运费)").
    A leading "全天"/"当日"/... is noise. An unknown header is kept as unmapped, never an error.
Dimensions
    A metric marked per person (人维度, 按人, "(人)" on a non-count, "per person") maps to
    `<field>_person`, one marked per conversation (会话维度, 会话, "per session") to
    `<field>_session`; an unmarked one to `<field>`. The three are never merged: Pinduoduo's
    平均人工响应时长 is per message, Douyin's 平响时长(人维度) is per buyer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.kpi.summary_fields import BASE_FIELDS, COUNT, DATE, DURATION, FIELDS, HEADER_ALIASES, MONEY, RATE, TEXT

_FLAVOUR_PREFIXES = (
    ("工作时间", "service"),
    ("服务时间", "service"),
    ("全天", "allday"),
    ("全日", "allday"),
    ("新", "new"),
)


_FLAVOUR_WORDS = {
    "工作时间": "service",
    "服务时间": "service",
    "全天": "allday",
    "全日": "allday",
    "新": "new",
    "新标": "new",
    "新标准": "new",
}


_SERVICE_HOURS = re.compile(r"^\d{1,2}(?::\d{2})?\s*[-~－～至到]\s*\d{1,2}(?::\d{2})?\s*[点时]?$")


# Bracketed or inline words that mark a dimension (compared normalised).
_DIMENSION_MARKERS = {
    "人维度": "person",
    "按人": "person",
    "person": "person",
    "perperson": "person",
    "byperson": "person",
    "perbuyer": "person",
    "会话维度": "session",
    "按会话": "session",
    "会话": "session",
    "session": "session",
    "persession": "session",
    "bysession": "session",
    "conversation": "session",
    "perconversation": "session",
}


# Tried inside an unknown header, longest first, when the whole header is not an alias.
_INLINE_DIMENSION_MARKERS = sorted(_DIMENSION_MARKERS, key=len, reverse=True)


_NOISE_PREFIXES = ("当日", "当天", "今日", "每日")


# Units: normalised word → (kind it applies to, factor to the stored unit).
_UNITS: dict[str, tuple[str, float]] = {
    "秒": (DURATION, 1),
    "秒钟": (DURATION, 1),
    "s": (DURATION, 1),
    "sec": (DURATION, 1),
    "secs": (DURATION, 1),
    "second": (DURATION, 1),
    "seconds": (DURATION, 1),
    "分钟": (DURATION, 60),
    "分": (DURATION, 60),
    "min": (DURATION, 60),
    "mins": (DURATION, 60),
    "minute": (DURATION, 60),
    "minutes": (DURATION, 60),
    "小时": (DURATION, 3600),
    "h": (DURATION, 3600),
    "hr": (DURATION, 3600),
    "hour": (DURATION, 3600),
    "hours": (DURATION, 3600),
    "毫秒": (DURATION, 0.001),
    "ms": (DURATION, 0.001),
    "元": (MONEY, 1),
    "yuan": (MONEY, 1),
    "cny": (MONEY, 1),
    "rmb": (MONEY, 1),
    "万元": (MONEY, 10_000),
    "万": (MONEY, 10_000),
    "时": (DURATION, 3600),
    "人": (COUNT, 1),
    "个": (COUNT, 1),
    "次": (COUNT, 1),
    "件": (COUNT, 1),
    "单": (COUNT, 1),
}


# A unit written after the name without brackets ("客单价元", "avg response time sec").
_SUFFIX_UNITS = sorted((u for u in _UNITS if len(u) > 1 or not u.isascii()), key=len, reverse=True)


@dataclass(frozen=True)
class HeaderInfo:
    """What a header says: its canonical field (None if unknown) and the unit of bare numbers."""

    field: str | None
    factor: float = 1.0  # unit of bare numbers (minutes → 60, 万元 → 10000)
    percent: bool = False  # header says "(%)": bare numbers are percent points


_BRACKETS = re.compile(r"[(\[{<【「《]([^)\]}>】」》]*)[)\]}>】」》]?")


_NOT_WORD = re.compile(r"[\W_]+")


INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).translate(INVISIBLE).strip().lower()


def _key(text: str) -> str:
    return _NOT_WORD.sub("", _normalise(text))


def _build_alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in BASE_FIELDS:
        for alias in (spec.name, spec.zh, spec.en, *HEADER_ALIASES.get(spec.name, ())):
            for key in {_key(alias), _key(re.sub(r"(?<=\d)秒", "s", alias))}:  # 30秒应答率 and 30s应答率
                if index.setdefault(key, spec.name) != spec.name:
                    raise ValueError(f"header alias {alias!r} given for both {index[key]} and {spec.name}")
    return index


_ALIAS_INDEX = _build_alias_index()


def _lookup(key: str) -> tuple[str | None, str | None]:
    """(base field, unit word written after the name) for a normalised header without brackets."""
    for prefix in _NOISE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key], None
    for unit in _SUFFIX_UNITS:
        if key.endswith(unit) and key[: -len(unit)] in _ALIAS_INDEX:
            return _ALIAS_INDEX[key[: -len(unit)]], unit
    return None, None


def _flavour_prefix(key: str) -> tuple[str, str | None]:
    """(key without a flavour prefix, flavour) when the rest is a known header ("全天平响时长")."""
    for prefix, flavour in _FLAVOUR_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            rest = key[len(prefix) :]
            if _lookup(rest)[0] is not None or any(m in rest for m in _INLINE_DIMENSION_MARKERS):
                return rest, flavour
    return key, None


def analyse_header(header: str) -> HeaderInfo:
    """The canonical field of a header and the unit its bare numbers are in."""
    text = _normalise(header)
    dims: set[str] = set()
    flavours: set[str] = set()
    units: list[str] = []
    percent = False
    bare_person = False  # "(人)": a unit on a count, the person dimension on anything else
    unknown: list[str] = []
    for qualifier in _BRACKETS.findall(text):
        for part in re.split(r"[,;/、|，；]", qualifier):
            key = _key(part)
            if "%" in part or key == "百分比":
                percent = True
                continue
            if not key:
                continue
            if _SERVICE_HOURS.match(part.strip()):
                flavours.add("service")
            elif key in _FLAVOUR_WORDS:
                flavours.add(_FLAVOUR_WORDS[key])
            elif key == "人":
                bare_person = True
            elif key in _DIMENSION_MARKERS:
                dims.add(_DIMENSION_MARKERS[key])
            elif key in _UNITS:
                units.append(key)
            else:
                unknown.append(key)
    base_key = _key(_BRACKETS.sub(" ", text))
    if _lookup(base_key)[0] is None:
        base_key, flavour = _flavour_prefix(base_key)
        if flavour:
            flavours.add(flavour)
    if unknown:  # a qualifier we do not know may change the meaning: only an exact alias maps
        name, suffix_unit = _lookup(base_key + "".join(unknown))
    else:
        name, suffix_unit = _lookup(base_key)
        if name is None:
            for marker in _INLINE_DIMENSION_MARKERS:
                if marker in base_key:
                    name, suffix_unit = _lookup(base_key.replace(marker, "", 1))
                    if name is not None and FIELDS[name].kind not in (DATE, TEXT):
                        dims.add(_DIMENSION_MARKERS[marker])
                        break
                    name = None  # "会话时间" is not the date column
    if name is None:
        return HeaderInfo(None)
    spec = FIELDS[name]
    if bare_person and spec.kind != COUNT:
        dims.add("person")
    if suffix_unit:
        units.append(suffix_unit)
    factor = 1.0
    for unit in units:
        kind, unit_factor = _UNITS[unit]
        if kind == spec.kind:
            factor = float(unit_factor)
    if spec.kind in (DATE, TEXT):
        return HeaderInfo(name)
    if len(dims) > 1 or len(flavours) > 1:
        return HeaderInfo(None)  # says both per person and per session (or two flavours): refuse to guess
    if dims:
        name = f"{name}_{dims.pop()}"
    if flavours:
        name = f"{name}_{flavours.pop()}"
    return HeaderInfo(name, factor, percent and spec.kind == RATE)


def map_header(header: str) -> str | None:
    """The canonical field a header maps to, or None ("全天平响时长(会话维度)" → "avg_response_s_session")."""
    return analyse_header(header).field


_FIGURE_WORDS = ("率", "时长", "人数", "金额", "额", "数", "量", "分", "比", "rate", "time", "amount", "count")


def looks_like_figure(header: str) -> bool:
    """A header that reads as a figure (率, 时长, 人数, 金额, 额, 数, …): unmapped, it gets a warning."""
    text = _normalise(header)
    return any(word in text for word in _FIGURE_WORDS)


def info_for(header: str, name: str) -> HeaderInfo:
    """The header's units read for a field the user or a profile chose."""
    auto = analyse_header(header)
    spec = FIELDS[name]
    if auto.field and FIELDS[auto.field].kind == spec.kind:
        return HeaderInfo(name, auto.factor, auto.percent)
    return HeaderInfo(name, 1.0, "%" in header and spec.kind == RATE)
