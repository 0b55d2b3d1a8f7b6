"""Entry-name rules: what a safe relative path is, what is skipped as junk, how names are quoted."""

from __future__ import annotations

import re

from grader.errors import SubmissionRejected

# Linux NAME_MAX: a longer path component cannot be created, whatever max_path_len says.
NAME_MAX_BYTES = 255
# Messages quote at most this much of an untrusted name.
_SHOWN_CHARS = 80

# The one list of what is skipped quietly wherever it appears: editors, OSes and tools leave
# these in archives and folders. Intake, the sandbox payload and the web app's copies all use it
# (through is_junk); "*.pyc" matches a name's last component only.
JUNK = ("__MACOSX", ".DS_Store", "__pycache__", "*.pyc", ".git", ".venv", "venv", "node_modules")
JUNK_HINT = ", ".join(JUNK)
_JUNK_NAMES = frozenset(pattern for pattern in JUNK if not pattern.startswith("*"))
_JUNK_SUFFIXES = tuple(pattern[1:] for pattern in JUNK if pattern.startswith("*"))


def split_name(name: str) -> tuple[str, ...]:
    """Return the safe relative path components of an entry name, or reject it."""
    shown = show(name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as e:
        # Surrogate escapes: tarfile and os.scandir decode invalid UTF-8 bytes to these.
        raise SubmissionRejected(
            f"entry {shown} has a name that is not valid UTF-8: rename it"
        ) from e
    if "\\" in name:
        raise SubmissionRejected(
            f"entry {shown} uses a backslash as a path separator: re-create the archive "
            "with a tool that writes '/' (7-Zip, Info-ZIP, Python's zipfile)"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise SubmissionRejected(f"entry {shown} has a control character in its name: rename it")
    if name.startswith("/"):
        raise SubmissionRejected(
            f"entry {shown} has an absolute path: re-create the archive with relative paths"
        )
    if re.match(r"[A-Za-z]:", name):
        raise SubmissionRejected(
            f"entry {shown} starts with a drive letter: re-create the archive with relative paths"
        )
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise SubmissionRejected(
            f"entry {shown} escapes the submission folder ('..' in its path): re-create the "
            "archive from inside your project folder"
        )
    for part in parts:
        if len(part.encode("utf-8")) > NAME_MAX_BYTES:
            raise SubmissionRejected(
                f"entry {shown} has a name longer than {NAME_MAX_BYTES} bytes: rename it"
            )
    return parts


def is_junk(parts: tuple[str, ...]) -> bool:
    """Whether the entry at these path components is junk, to be skipped without a word."""
    last = parts[-1]
    return (
        any(part in _JUNK_NAMES for part in parts)
        or last.endswith(_JUNK_SUFFIXES)
        or last.startswith("._")  # AppleDouble metadata written by macOS tar and zip
    )


def show(name: str) -> str:
    """Quote an untrusted name for a one-line message: escape what is not printable."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)
    if len(shown) > _SHOWN_CHARS:
        shown = shown[: _SHOWN_CHARS - 3] + "..."
    return "'" + shown.replace("'", "\\'") + "'"
