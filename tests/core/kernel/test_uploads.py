"""Uploads: type and size refused with a reason, names never become paths, content-addressed."""

from __future__ import annotations

import pytest

from core.kernel import config, uploads
from core.kernel.errors import ValidationError


def test_disallowed_type_is_refused(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        uploads.store(fresh_db, admin, b"MZ...", "setup.exe")
    assert caught.value.errors[0].key == "err.file_type"
    assert fresh_db["uploads"].count == 0


def test_too_large_and_empty_files_are_refused(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        uploads.store(fresh_db, admin, b"x" * 11, "a.txt", max_bytes=10)
    assert caught.value.errors[0].key == "err.file_size"
    with pytest.raises(ValidationError) as caught:
        uploads.store(fresh_db, admin, b"", "a.pdf")
    assert caught.value.errors[0].key == "err.file_empty"


def test_a_path_in_the_name_never_leaves_the_uploads_folder(fresh_db, admin):
    upload_id = uploads.store(fresh_db, admin, b"%PDF-1.4", "../../x.pdf")
    row = uploads.get(fresh_db, upload_id)
    assert row["original_name"] == "x.pdf"
    stored = list(config.uploads_dir().rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 1 and files[0].name == row["sha256"]
    assert config.uploads_dir() in files[0].resolve().parents
    assert not (config.data_dir().parent / "x.pdf").exists()


def test_windows_style_path_is_stripped_too():
    assert uploads.safe_display_name("..\\..\\evil.pdf") == "evil.pdf"


def test_same_bytes_twice_share_one_file_but_get_two_rows(fresh_db, admin):
    first = uploads.store(fresh_db, admin, b"same content", "a.txt")
    second = uploads.store(fresh_db, admin, b"same content", "b.txt")
    assert first != second
    assert uploads.get(fresh_db, first)["sha256"] == uploads.get(fresh_db, second)["sha256"]
    assert len([p for p in config.uploads_dir().rglob("*") if p.is_file()]) == 1
    row, data = uploads.read_bytes(fresh_db, second)
    assert data == b"same content" and row["original_name"] == "b.txt"


@pytest.mark.parametrize(
    "name", ["page.html", "page.HTM", "logo.svg", "app.js", "setup.exe", "run.sh", "tool.py", "x.php"]
)
def test_types_a_browser_would_render_or_run_are_refused_even_when_an_admin_allows_them(fresh_db, admin, name):
    extension = name.rsplit(".", 1)[-1].lower()
    with pytest.raises(ValidationError) as caught:
        uploads.store(
            fresh_db,
            admin,
            b"<script>alert(1)</script>",
            name,
            "text/html",
            allowed=uploads.DEFAULT_ALLOWED_EXTENSIONS + (extension,),
        )
    assert caught.value.errors[0].key == "err.file_type"
    assert fresh_db["uploads"].count == 0
    assert not [p for p in config.uploads_dir().rglob("*") if p.is_file()]


def test_the_stored_type_comes_from_the_extension_never_from_the_browser(fresh_db, admin):
    pdf = uploads.store(fresh_db, admin, b"%PDF-1.4", "plan.pdf", "text/html")
    note = uploads.store(fresh_db, admin, b"<b>hi</b>", "note.txt", "text/html")
    odd = uploads.store(fresh_db, admin, b"data", "data.bin", "text/html", allowed=("bin",))
    assert uploads.get(fresh_db, pdf)["content_type"] == "application/pdf"
    assert uploads.get(fresh_db, note)["content_type"] == "text/plain"
    assert uploads.get(fresh_db, odd)["content_type"] == "application/octet-stream"


def test_a_stored_file_has_no_extension_and_cannot_be_executed(fresh_db, admin):
    import os
    import stat

    upload_id = uploads.store(fresh_db, admin, b"#!/bin/sh\necho hi\n", "script.txt")
    files = [p for p in config.uploads_dir().rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].name == uploads.get(fresh_db, upload_id)["sha256"] and "." not in files[0].name
    mode = stat.S_IMODE(os.stat(files[0]).st_mode)
    assert mode == 0o600 and not mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_upload_settings_never_allow_web_pages_scripts_or_programs(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        uploads.set_upload_settings(fresh_db, admin, "pdf, .HTML, svg, exe, docx", 10)
    assert {(e.key, e.params["ext"]) for e in caught.value.errors} == {
        ("err.team.unsafe_extension", "html"),
        ("err.team.unsafe_extension", "svg"),
        ("err.team.unsafe_extension", "exe"),
    }
    assert uploads.allowed_extensions(fresh_db) == uploads.DEFAULT_ALLOWED_EXTENSIONS
