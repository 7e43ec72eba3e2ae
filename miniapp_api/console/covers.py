"""Article covers uploaded in the console: checked by content (JPEG, PNG or WebP, at most
COVER_MAX_BYTES), stored under UPLOAD_DIR/covers by their SHA-256 (the same image twice
is one file), and served by the app at /console/media/covers/<name>, without sign-in,
for the mini-program's `<image>`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import abort, current_app, send_from_directory
from werkzeug.datastructures import FileStorage

from miniapp_api.console import console_bp
from miniapp_api.errors import ValidationFailed

# The first bytes of each accepted format: the file's own word, not its name or header.
SIGNATURES = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))
NAME_LENGTH = 64 + 4  # sha256 hex digest + extension


def image_extension(data: bytes) -> str | None:
    for signature, extension in SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def covers_folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "covers"


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(errors={"json": {"cover": [message]}})


def save_cover(upload: FileStorage) -> str:
    """Store an uploaded cover; its public URL, or a ValidationFailed about `cover`."""
    limit = current_app.config["COVER_MAX_BYTES"]
    data = upload.read(limit + 1)
    if not data:
        raise refuse("封面图片是空文件")
    if len(data) > limit:
        raise refuse(f"封面图片不能超过 {limit // 1024} KB")
    extension = image_extension(data)
    if extension is None:
        raise refuse("封面图片只能是 JPEG、PNG 或 WebP 格式")
    name = f"{hashlib.sha256(data).hexdigest()}.{extension}"
    folder = covers_folder()
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / name).exists():
        (folder / name).write_bytes(data)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/console/media/covers/{name}"


@console_bp.get("/media/covers/<name>")
def cover(name: str):
    """An uploaded cover image (public: the mini-program shows it)."""
    stem, _, extension = name.partition(".")
    hexadecimal = len(stem) == 64 and all(c in "0123456789abcdef" for c in stem)
    if len(name) > NAME_LENGTH or not hexadecimal or extension not in ("jpg", "png", "webp"):
        abort(404)
    response = send_from_directory(covers_folder(), name, max_age=365 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
