"""The FAQ & scripts table: standard questions, edits, Excel round trip, imports all or nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest

from core.kernel.errors import ValidationError
from core.projects import faq, merchants


@pytest.fixture
def project(fresh_db, admin):
    return merchants.create_project(
        fresh_db, admin, merchants.create_merchant(fresh_db, admin, {"name": "店", "platform": "taobao"}), "售前"
    )


def test_a_new_project_has_the_standard_questions_in_order(fresh_db, admin, project):
    items = faq.list_items(fresh_db, admin, project)
    assert [i["question"] for i in items] == list(faq.STANDARD_QUESTIONS)
    assert faq.progress(fresh_db, admin, project) == (0, 11)


def test_answers_and_own_questions_are_saved_and_counted(fresh_db, admin, project):
    items = faq.list_items(fresh_db, admin, project)
    edited = [
        {"id": items[0]["id"], "question": items[0]["question"], "answer": "都有货"},
        {"question": "支持7天无理由吗", "answer": "支持"},
    ]
    assert faq.save_items(fresh_db, admin, project, edited) == 2
    assert faq.progress(fresh_db, admin, project) == (2, 12)
    assert faq.list_items(fresh_db, admin, project, search="7天")[0]["answer"] == "支持"


def test_excel_round_trip_gives_the_same_table(fresh_db, admin, project):
    items = faq.list_items(fresh_db, admin, project)
    faq.save_items(
        fresh_db,
        admin,
        project,
        [{"id": i["id"], "question": i["question"], "answer": f"答{n}"} for n, i in enumerate(items)]
        + [{"question": "=1+1 公式?", "answer": "+86 电话"}],
    )
    exported = faq.export_xlsx(fresh_db, admin, project)
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert sheet["A13"].value == "'=1+1 公式?"  # formula injection escaped in the file
    before = [(i["question"], i["answer"]) for i in faq.list_items(fresh_db, admin, project)]
    assert faq.import_xlsx(fresh_db, admin, project, exported, "faq.xlsx") == 0  # nothing changes
    assert [(i["question"], i["answer"]) for i in faq.list_items(fresh_db, admin, project)] == before


def test_malformed_import_names_rows_and_saves_nothing(fresh_db, admin, project):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["问题", "答案/话术"])
    sheet.append(["能拍的都有货吗", "有"])
    sheet.append(["", "没有问题的答案"])
    sheet.append(["能拍的都有货吗", "重复"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ValidationError) as caught:
        faq.import_xlsx(fresh_db, admin, project, buffer.getvalue(), "faq.xlsx")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("row 3: question", "err.required"),
        ("row 4: question", "err.duplicate_of_row"),
    }
    assert faq.progress(fresh_db, admin, project) == (0, 11)


def test_import_refuses_a_file_without_a_question_column(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        faq.import_xlsx(fresh_db, admin, project, "a,b\n1,2\n".encode(), "faq.csv")
    assert caught.value.errors[0].key == "err.missing_columns"
    with pytest.raises(ValidationError) as caught:
        faq.import_xlsx(fresh_db, admin, project, b"\x00\x01garbage", "faq.xlsx")
    assert caught.value.errors[0].key == "err.file_unreadable"


def test_standard_questions_cannot_be_deleted_but_own_ones_can(fresh_db, admin, project):
    items = faq.list_items(fresh_db, admin, project)
    with pytest.raises(ValidationError):
        faq.delete_item(fresh_db, admin, project, items[0]["id"])
    faq.save_items(fresh_db, admin, project, [{"question": "自定义", "answer": ""}])
    own = [i for i in faq.list_items(fresh_db, admin, project) if not i["is_standard"]][0]
    faq.delete_item(fresh_db, admin, project, own["id"])
    assert len(faq.list_items(fresh_db, admin, project)) == 11
