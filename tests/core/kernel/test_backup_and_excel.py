"""Backups are consistent copies; Excel exports escape formulas."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys

import openpyxl
import pandas as pd

from core.kernel import backup, excel
from core.projects import merchants
from tests.conftest import ROOT


def test_backup_copy_is_consistent_and_complete(fresh_db, admin, tmp_path):
    merchants.create_merchant(fresh_db, admin, {"name": "店", "platform": "taobao"})
    data = backup.backup_bytes(fresh_db, admin)
    copy = tmp_path / "copy.db"
    copy.write_bytes(data)
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT name FROM merchants").fetchall() == [("店",)]


def test_backup_command_line_writes_a_file(fresh_db, admin, tmp_path):
    merchants.create_merchant(fresh_db, admin, {"name": "店", "platform": "taobao"})
    out = tmp_path / "b.db"
    result = subprocess.run(
        [sys.executable, "-m", "core.kernel.backup", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert sqlite3.connect(out).execute("SELECT COUNT(*) FROM merchants").fetchone()[0] == 1


def test_formula_cells_are_escaped_in_exports():
    frame = pd.DataFrame({"a": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "正常"], "n": [1, 2, 3, 4, 5]})
    sheet = openpyxl.load_workbook(io.BytesIO(excel.to_xlsx({"s": frame}))).active
    assert [sheet.cell(row=r, column=1).value for r in range(2, 7)] == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "正常",
    ]
    assert sheet.cell(row=2, column=2).value == 1  # numbers stay numbers
