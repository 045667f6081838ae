"""Uploaded files: validated, stored under data/uploads/ by content hash, described by a row.

The name the browser sent is kept as data only; it never becomes a path. Allowed types and the
size limit are settings (see `core.settings`).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePath

import sqlite_utils

from core import audit, config
from core.db import one, write
from core.errors import FieldError, NotFound, ValidationError
from core.permissions import Actor

DEFAULT_ALLOWED_EXTENSIONS = (
    "pdf", "doc", "docx", "xls", "xlsx", "csv", "ppt", "pptx", "png", "jpg", "jpeg", "gif", "txt", "md", "mp4", "mov",
)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_NAME_LENGTH = 200


def safe_display_name(filename: str) -> str:
    """The base name of what the browser sent, stripped of any folder part (`../../x.pdf` → `x.pdf`)."""
    name = PurePath(filename.replace("\\", "/")).name.strip()
    return name[:MAX_NAME_LENGTH]


def validate(data: bytes, filename: str, allowed: tuple[str, ...] = DEFAULT_ALLOWED_EXTENSIONS, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Check an upload; return its clean display name or raise ValidationError."""
    name = safe_display_name(filename)
    errors: list[FieldError] = []
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or name in (".", ".."):
        errors.append(FieldError("file", "err.file_name"))
    elif extension not in allowed:
        errors.append(FieldError("file", "err.file_type", {"ext": extension or "-", "allowed": ", ".join(allowed)}))
    if len(data) == 0:
        errors.append(FieldError("file", "err.file_empty"))
    elif len(data) > max_bytes:
        errors.append(FieldError("file", "err.file_size", {"mb": round(max_bytes / 1024 / 1024)}))
    if errors:
        raise ValidationError(errors)
    return name


def _blob_path(sha256: str) -> Path:
    return config.uploads_dir() / sha256[:2] / sha256


def store(
    db: sqlite_utils.Database,
    actor: Actor | None,
    data: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    allowed: tuple[str, ...] = DEFAULT_ALLOWED_EXTENSIONS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> int:
    """Validate and store a file; return the id of its `uploads` row.

    Two uploads of the same bytes share one stored file but get their own rows (each upload is
    a fact: who, when, under what name).
    """
    name = validate(data, filename, allowed, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    path = _blob_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        os.chmod(path, 0o600)
    record = {
        "sha256": digest,
        "original_name": name,
        "content_type": (content_type or "application/octet-stream")[:100],
        "size": len(data),
        "uploaded_by": actor.id if actor else None,
        "uploaded_at": config.now_text(),
    }
    with write(db):
        upload_id = db["uploads"].insert(record).last_pk
        audit.record(db, actor, "create", "upload", upload_id, None, record)
    return int(upload_id)


def get(db: sqlite_utils.Database, upload_id: int) -> dict:
    """The row of an upload."""
    row = one(db, "SELECT * FROM uploads WHERE id = ?", [upload_id])
    if row is None:
        raise NotFound(f"upload {upload_id}")
    return row


def read_bytes(db: sqlite_utils.Database, upload_id: int) -> tuple[dict, bytes]:
    """An upload's row and its content (callers check the actor may see what it belongs to)."""
    row = get(db, upload_id)
    return row, _blob_path(row["sha256"]).read_bytes()
