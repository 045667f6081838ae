"""Uploaded files: validated, stored under data/uploads/ by content hash, described by a row.

The name the browser sent is kept as data only; it never becomes a path. Allowed types and the
size limit are app-wide settings (the `settings` table, set by the admin: see the end of this
module), but types a browser would run or render as a page (HTML, SVG, scripts, programs) are
refused whatever the settings say, and the content type a download is served with comes from
the extension, never from what the uploading browser claimed.
Stored files are named by their hash, without extension, readable by the app's user only.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePath

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, require

DEFAULT_ALLOWED_EXTENSIONS = (
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "csv",
    "ppt",
    "pptx",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "txt",
    "md",
    "mp4",
    "mov",
)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_NAME_LENGTH = 200
# never accepted, even if an admin lists them: a browser renders or runs these
NEVER_ALLOWED_EXTENSIONS = frozenset(
    {
        "html",
        "htm",
        "xhtml",
        "shtml",
        "xht",
        "svg",
        "svgz",
        "xml",
        "xsl",
        "js",
        "mjs",
        "css",
        "swf",
        "php",
        "asp",
        "aspx",
        "jsp",
        "exe",
        "msi",
        "com",
        "scr",
        "bat",
        "cmd",
        "ps1",
        "vbs",
        "hta",
        "sh",
        "py",
        "pl",
        "rb",
        "jar",
        "dll",
        "so",
        "app",
    }
)
SAFE_CONTENT_TYPES = {  # what a download is served with, by extension; anything else is a plain byte stream
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv",
    "txt": "text/plain",
    "md": "text/markdown",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


def safe_display_name(filename: str) -> str:
    """The base name of what the browser sent, stripped of any folder part (`../../x.pdf` → `x.pdf`)."""
    name = PurePath(filename.replace("\\", "/")).name.strip()
    return name[:MAX_NAME_LENGTH]


def validate(
    data: bytes,
    filename: str,
    allowed: tuple[str, ...] = DEFAULT_ALLOWED_EXTENSIONS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """Check an upload; return its clean display name or raise ValidationError."""
    name = safe_display_name(filename)
    errors: list[FieldError] = []
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or name in (".", ".."):
        errors.append(FieldError("file", "err.file_name"))
    elif extension not in allowed or extension in NEVER_ALLOWED_EXTENSIONS:
        errors.append(FieldError("file", "err.file_type", {"ext": extension or "-", "allowed": ", ".join(allowed)}))
    if len(data) == 0:
        errors.append(FieldError("file", "err.file_empty"))
    elif len(data) > max_bytes:
        errors.append(FieldError("file", "err.file_size", {"mb": round(max_bytes / 1024 / 1024)}))
    if errors:
        raise ValidationError(errors)
    return name


def content_type_for(name: str) -> str:
    """The content type a stored file is served with: from its extension's safe list, else bytes."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in NEVER_ALLOWED_EXTENSIONS:
        return "application/octet-stream"
    return SAFE_CONTENT_TYPES.get(extension) or "application/octet-stream"


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
    a fact: who, when, under what name). `content_type` (what the browser claimed) is ignored:
    the stored type is `content_type_for` the name.
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
        "content_type": content_type_for(name),
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


# --- settings: allowed upload types and size (app-wide: training materials, QA standards) ----------

SETTING_EXTENSIONS = "training.allowed_extensions"
SETTING_MAX_MB = "training.max_upload_mb"
STREAMLIT_MAX_UPLOAD_MB = 60  # .streamlit/config.toml server.maxUploadSize: the browser cannot send more
EXTENSION_PATTERN = re.compile(r"^[a-z0-9]{1,10}$")


def _get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = one(db, "SELECT value FROM settings WHERE key = ?", [key])
    return row["value"] if row else None


def allowed_extensions(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The file types an upload may have (default: DEFAULT_ALLOWED_EXTENSIONS)."""
    value = _get_setting(db, SETTING_EXTENSIONS)
    return tuple(value.split(",")) if value else DEFAULT_ALLOWED_EXTENSIONS


def max_upload_mb(db: sqlite_utils.Database) -> int:
    """The size limit of an upload in MB (default: DEFAULT_MAX_BYTES)."""
    value = _get_setting(db, SETTING_MAX_MB)
    return int(value) if value else round(DEFAULT_MAX_BYTES / 1024 / 1024)


def parse_extensions(text: str) -> tuple[tuple[str, ...], list[FieldError]]:
    """`.pdf, DOCX xlsx` → ('pdf', 'docx', 'xlsx'), and the errors of what is not a file extension."""
    found: list[str] = []
    errors: list[FieldError] = []
    for raw in re.split(r"[\s,，;；、]+", text):
        ext = raw.strip().lstrip(".").lower()
        if not ext:
            continue
        if not EXTENSION_PATTERN.match(ext):
            errors.append(FieldError("team.allowed_extensions", "err.team.bad_extension", {"ext": raw.strip()}))
        elif ext in NEVER_ALLOWED_EXTENSIONS:  # a browser would render or run it
            errors.append(FieldError("team.allowed_extensions", "err.team.unsafe_extension", {"ext": ext}))
        elif ext not in found:
            found.append(ext)
    if not found and not errors:
        errors.append(FieldError("team.allowed_extensions", "err.required"))
    return tuple(found), errors


def set_upload_settings(db: sqlite_utils.Database, actor: Actor, extensions_text: str, max_mb: int) -> None:
    """The admin sets the allowed types (comma separated) and the size limit (1–60 MB)."""
    require(actor, "training.settings")
    extensions, errors = parse_extensions(extensions_text)
    if isinstance(max_mb, bool) or not isinstance(max_mb, int) or not 1 <= max_mb <= STREAMLIT_MAX_UPLOAD_MB:
        errors.append(FieldError("team.max_upload_mb", "err.team.range", {"min": 1, "max": STREAMLIT_MAX_UPLOAD_MB}))
    if errors:
        raise ValidationError(errors)
    before = {"extensions": ",".join(allowed_extensions(db)), "max_mb": max_upload_mb(db)}
    after = {"extensions": ",".join(extensions), "max_mb": max_mb}
    with write(db):
        db["settings"].insert({"key": SETTING_EXTENSIONS, "value": after["extensions"]}, replace=True)
        db["settings"].insert({"key": SETTING_MAX_MB, "value": str(max_mb)}, replace=True)
        audit.record(db, actor, "update", "setting", "training.uploads", before, after)
