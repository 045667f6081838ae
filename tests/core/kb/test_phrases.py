"""Quick phrases: numbering and shortcuts, dated versions, bulk import/export, QA flags and the meeting's rewrites."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest

from core.kb import phrases
from core.kernel import audit
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from tests.core.kb.test_kb_support import World, world  # noqa: F401

SET = (
    ("欢迎语", "/hy", "亲，欢迎光临，请问有什么可以帮您？"),
    ("物流", "/fh", "亲，现货48小时内发货哦～"),
    ("物流", "/kd", "亲，默认中通快递，暂不支持指定快递。"),
    ("售后", "/th", "亲，支持7天无理由退换货。"),
    ("", "/zj", "=感谢光临，祝您生活愉快"),  # no group; starts like a formula
)


def add_set(w: World, project_id: int | None = None) -> list[int]:
    return [
        phrases.create_phrase(w.db, w.manager, project_id or w.project, {"group_name": g, "shortcut": s, "text": t})
        for g, s, t in SET
    ]


def as_set(w: World, project_id: int) -> list[tuple[str, str, str]]:
    return [(p["group_name"], p["shortcut"], p["text"]) for p in phrases.list_phrases(w.db, w.manager, project_id)]


def csv_bytes(rows: list[list[str]], header=("分组", "快捷编码", "短语内容")) -> bytes:
    frame = pd.DataFrame(rows, columns=list(header))
    return frame.to_csv(index=False).encode("utf-8")


def test_phrases_are_numbered_in_order_per_project_and_shortcuts_normalised(world: World):
    add_set(world)
    other = phrases.create_phrase(world.db, world.manager, world.other, {"shortcut": "FH", "text": "别家的"})
    assert [p["number"] for p in phrases.list_phrases(world.db, world.manager, world.project)] == [1, 2, 3, 4, 5]
    assert phrases.get_phrase(world.db, world.manager, other)["number"] == 1
    assert phrases.get_phrase(world.db, world.manager, other)["shortcut"] == "/fh"
    assert phrases.groups(world.db, world.manager, world.project) == ["欢迎语", "物流", "售后", ""]


def test_a_shortcut_is_unique_in_its_project_and_well_formed(world: World):
    add_set(world)
    with pytest.raises(ValidationError) as exc:
        phrases.create_phrase(world.db, world.manager, world.project, {"shortcut": "/fh", "text": "重复"})
    assert exc.value.errors[0].key == "err.kb.shortcut_taken"
    with pytest.raises(ValidationError) as exc:
        phrases.create_phrase(
            world.db, world.manager, world.project, {"shortcut": "/发货", "text": "", "group_name": "组" * 31}
        )
    assert {(e.field, e.key) for e in exc.value.errors} == {
        ("kb.shortcut", "err.kb.shortcut_format"),
        ("kb.text", "err.required"),
        ("kb.group_name", "err.too_long"),
    }


def test_removed_phrase_frees_its_shortcut_but_keeps_its_number_and_history(world: World):
    ids = add_set(world)
    phrases.remove_phrase(world.db, world.manager, ids[1])
    new = phrases.create_phrase(world.db, world.manager, world.project, {"shortcut": "/fh", "text": "新的发货话术"})
    assert phrases.get_phrase(world.db, world.manager, new)["number"] == 6
    assert [(v["version"], v["active"]) for v in phrases.history(world.db, world.manager, ids[1])] == [(2, 0), (1, 1)]


def test_an_edit_is_a_dated_version(world: World):
    ids = add_set(world)
    at = datetime(2026, 3, 2, 10, 30)
    assert (
        phrases.update_phrase(world.db, world.trainer, ids[1], {"text": "亲，现货24小时内发货哦～"}, "仓库提速", now=at)
        == 2
    )
    latest = phrases.history(world.db, world.manager, ids[1])[0]
    assert (latest["version"], latest["text"], latest["changed_at"], latest["note"], latest["source"]) == (
        2,
        "亲，现货24小时内发货哦～",
        "2026-03-02 10:30:00",
        "仓库提速",
        "edit",
    )
    assert phrases.update_phrase(world.db, world.trainer, ids[1], {"text": "亲，现货24小时内发货哦～"}) is None


def test_agents_read_their_projects_phrases_and_cannot_change_them(world: World):
    ids = add_set(world)
    assert len(phrases.list_phrases(world.db, world.agent, world.project)) == 5
    with pytest.raises(PermissionDenied):
        phrases.list_phrases(world.db, world.agent, world.other)
    with pytest.raises(PermissionDenied):
        phrases.update_phrase(world.db, world.agent, ids[0], {"text": "x"})
    with pytest.raises(NotFound):
        phrases.get_phrase(world.db, world.agent2, ids[0])  # another team's phrase does not exist for them
    with pytest.raises(PermissionDenied):
        phrases.list_phrases(world.db, world.merchant, world.project)


# --- import / export ------------------------------------------------------------------------------------------


def test_export_is_in_the_backend_bulk_layout(world: World):
    add_set(world)
    frame = pd.read_excel(
        io.BytesIO(phrases.export_xlsx(world.db, world.manager, world.project)), dtype=str, engine="openpyxl"
    ).fillna("")
    assert list(frame.columns) == ["分组", "快捷编码", "短语内容"]
    assert frame.iloc[1].tolist() == ["物流", "/fh", "亲，现货48小时内发货哦～"]
    assert frame.iloc[4].tolist() == ["", "/zj", "'=感谢光临，祝您生活愉快"]  # a formula-like cell is neutralised
    text = phrases.export_csv(world.db, world.manager, world.project).decode("utf-8-sig")
    assert text.splitlines()[0] == "分组,快捷编码,短语内容"


@pytest.mark.parametrize("export,name", [(phrases.export_xlsx, "set.xlsx"), (phrases.export_csv, "set.csv")])
def test_round_trip_export_then_import_gives_the_same_set(world: World, export, name):
    add_set(world)
    data = export(world.db, world.manager, world.project)
    fresh = merchants.create_project(
        world.db, world.admin, merchants.get_project(world.db, world.admin, world.project)["merchant_id"], "售后"
    )
    counts = phrases.import_file(world.db, world.manager, fresh, data, name)
    assert counts == {"added": 5, "updated": 0, "unchanged": 0, "removed": 0}
    assert as_set(world, fresh) == as_set(world, world.project) == list(SET)
    assert [p["number"] for p in phrases.list_phrases(world.db, world.manager, fresh)] == [1, 2, 3, 4, 5]
    again = phrases.import_file(world.db, world.manager, world.project, data, name)
    assert again == {"added": 0, "updated": 0, "unchanged": 5, "removed": 0}


def test_malformed_import_lists_every_bad_row_and_saves_nothing(world: World):
    add_set(world)
    before = as_set(world, world.project)
    versions_before = world.db["kb_phrase_versions"].count
    data = csv_bytes(
        [
            ["物流", "/fh", "亲，改成24小时发货"],  # fine on its own: but nothing may land
            ["物流", "", "没有编码"],  # row 3
            ["物流", "/发货", "编码不合规"],  # row 4
            ["售后", "/th", ""],  # row 5
            ["售后", "/fh", "重复编码"],  # row 6 duplicates row 2
            ["", "", ""],  # blank: skipped
            ["活动", "/yhq", "长" * 501],  # row 8
        ]
    )
    with pytest.raises(ValidationError) as exc:
        phrases.import_file(world.db, world.manager, world.project, data, "bad.csv")
    assert [(e.field, e.key) for e in exc.value.errors] == [
        ("row 3: kb.shortcut", "err.required"),
        ("row 4: kb.shortcut", "err.kb.shortcut_format"),
        ("row 5: kb.text", "err.required"),
        ("row 6: kb.shortcut", "err.duplicate_of_row"),
        ("row 8: kb.text", "err.too_long"),
    ]
    assert exc.value.errors[3].params == {"row": 2}
    assert as_set(world, world.project) == before
    assert world.db["kb_phrase_versions"].count == versions_before


def test_import_without_the_needed_columns_or_not_a_table_is_refused(world: World):
    with pytest.raises(ValidationError) as exc:
        phrases.import_file(
            world.db, world.manager, world.project, csv_bytes([["a", "b"]], header=("标题", "内容x")), "x.csv"
        )
    assert exc.value.errors[0].key == "err.missing_columns"
    with pytest.raises(ValidationError) as exc:
        phrases.import_file(world.db, world.manager, world.project, b"%PDF-1.4", "x.pdf")
    assert exc.value.errors[0].key == "err.file_type_table"
    with pytest.raises(ValidationError) as exc:
        phrases.import_file(world.db, world.manager, world.project, csv_bytes([]), "empty.csv")
    assert exc.value.errors[0].key == "err.file_empty"


def test_import_updates_by_shortcut_adds_new_ones_and_replace_removes_the_rest(world: World):
    add_set(world)
    data = csv_bytes([["物流", "fh", "亲，现货24小时内发货哦～"], ["活动", "/yhq", "满199减20"]])
    assert phrases.import_file(world.db, world.manager, world.project, data, "new.csv") == {
        "added": 1,
        "updated": 1,
        "unchanged": 0,
        "removed": 0,
    }
    assert len(as_set(world, world.project)) == 6
    fh = next(p for p in phrases.list_phrases(world.db, world.manager, world.project) if p["shortcut"] == "/fh")
    assert (fh["number"], fh["version"], phrases.history(world.db, world.manager, fh["id"])[0]["source"]) == (
        2,
        2,
        "import",
    )
    assert phrases.import_file(world.db, world.manager, world.project, data, "new.csv", replace=True)["removed"] == 4
    assert as_set(world, world.project) == [("物流", "/fh", "亲，现货24小时内发货哦～"), ("活动", "/yhq", "满199减20")]


def test_import_needs_write_rights(world: World):
    with pytest.raises(PermissionDenied):
        phrases.import_file(world.db, world.qa, world.project, csv_bytes([["", "/a", "b"]]), "x.csv")


# --- QA flags and the Monday meeting -------------------------------------------------------------------------


def test_qa_flags_a_phrase_and_the_meetings_decision_rewrites_it_dated(world: World):
    ids = add_set(world)
    flag_id = phrases.flag(world.db, world.qa, ids[2], "outdated", "现在可以补差价发顺丰")
    assert [p["open_flags"] for p in phrases.list_phrases(world.db, world.manager, world.project)] == [0, 0, 1, 0, 0]
    phrases.put_on_meeting_list(world.db, world.manager, flag_id)
    assert [f["id"] for f in phrases.rewrite_list(world.db, world.manager)] == [flag_id]
    meeting = datetime(2026, 3, 9, 10, 0)
    version = phrases.apply_decision(
        world.db, world.manager, ids[2], {"text": "亲，默认中通，补差价10元可发顺丰。"}, "周例会决定", now=meeting
    )
    assert version == 2
    latest = phrases.history(world.db, world.manager, ids[2])[0]
    assert (latest["source"], latest["changed_at"], latest["note"]) == ("meeting", "2026-03-09 10:00:00", "周例会决定")
    closed = phrases.flags(world.db, world.manager, world.project)[0]
    assert (closed["status"], closed["resolved_version"], closed["resolved_at"]) == (
        "resolved",
        2,
        "2026-03-09 10:00:00",
    )
    assert phrases.rewrite_list(world.db, world.manager) == []


def test_the_decision_also_closes_flags_not_yet_on_the_list(world: World):
    ids = add_set(world)
    phrases.flag(world.db, world.qa, ids[0], "wrong", "欢迎语缺店名")
    phrases.apply_decision(world.db, world.manager, ids[0], {"text": "亲，欢迎光临优品家居"}, "改写")
    assert [f["status"] for f in phrases.flags(world.db, world.manager, world.project)] == ["resolved"]


def test_a_decision_must_change_the_phrase_and_say_why(world: World):
    ids = add_set(world)
    with pytest.raises(ValidationError) as exc:
        phrases.apply_decision(world.db, world.manager, ids[0], {"text": SET[0][2]}, "没改")
    assert exc.value.errors[0].key == "err.kb.unchanged"
    with pytest.raises(ValidationError):
        phrases.apply_decision(world.db, world.manager, ids[0], {"text": "新"}, " ")


def test_a_dismissed_flag_leaves_the_phrase_unchanged(world: World):
    ids = add_set(world)
    flag_id = phrases.flag(world.db, world.qa, ids[3], "outdated", "大促结束")
    phrases.dismiss_flag(world.db, world.manager, flag_id, "长期有效")
    assert phrases.get_phrase(world.db, world.manager, ids[3])["version"] == 1
    with pytest.raises(ValidationError):
        phrases.put_on_meeting_list(world.db, world.manager, flag_id)


def test_who_flags_and_who_decides(world: World):
    ids = add_set(world)
    for who in (world.agent, world.trainer, world.merchant):
        with pytest.raises((PermissionDenied, NotFound)):
            phrases.flag(world.db, who, ids[0], "wrong", "x")
    flag_id = phrases.flag(world.db, world.manager, ids[0], "wrong", "经理也可以标记")
    with pytest.raises(PermissionDenied):
        phrases.put_on_meeting_list(world.db, world.qa, flag_id)
    with pytest.raises(PermissionDenied):
        phrases.apply_decision(world.db, world.qa, ids[0], {"text": "x"}, "y")
    with pytest.raises(ValidationError) as exc:
        phrases.flag(world.db, world.qa, ids[0], "ugly", "")
    assert {e.key for e in exc.value.errors} == {"err.invalid_choice", "err.required"}


def test_flag_summary_counts_per_phrase(world: World):
    ids = add_set(world)
    phrases.flag(world.db, world.qa, ids[1], "wrong", "a")
    second = phrases.flag(world.db, world.qa, ids[1], "outdated", "b")
    phrases.dismiss_flag(world.db, world.manager, second, "ok")
    summary = phrases.flag_summary(world.db, world.manager, world.project)
    assert [(s["shortcut"], s["wrong"], s["outdated"], s["still_open"]) for s in summary] == [("/fh", 1, 1, 1)]


def test_phrase_changes_are_audited(world: World):
    ids = add_set(world)
    phrases.update_phrase(world.db, world.manager, ids[0], {"text": "新欢迎语"})
    assert audit.search(world.db, world.admin, entity="kb_phrase")[0]["action"] == "update"
