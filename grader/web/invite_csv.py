"""Bulk invites: read a CSV of candidates (header ``name,email``), row by row, without trusting it.

Every row is checked and every problem reported by line number; addresses are deduplicated
(case-insensitively). Names are kept as text: they are escaped on pages and neutralised in CSV
exports (grader.scores_csv), so a name that looks like a formula does nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

MAX_CSV_BYTES = 256 * 1024
MAX_NAME = 200
MAX_EMAIL = 254
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class CsvInvites:
    """What a CSV held: candidates to invite, rows refused (line, reason), duplicates skipped."""

    candidates: list[tuple[int, str, str]] = field(default_factory=list)  # line, name, email
    errors: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # line, email


class CsvRefused(ValueError):
    """The file as a whole cannot be read: too large, not UTF-8, no header."""


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def parse_invite_csv(data: bytes, *, max_rows: int, known: set[str] | None = None) -> CsvInvites:
    """Check a CSV of invites; ``known`` holds addresses already invited (lowercase)."""
    if len(data) > MAX_CSV_BYTES:
        raise CsvRefused(f"the file is larger than {MAX_CSV_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRefused("the file is not UTF-8 text: save it as CSV UTF-8") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header] != ["name", "email"]:
            raise CsvRefused("the first line must be the header name,email")
        found = CsvInvites()
        seen = set(known or ())
        rows = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines are not candidates
            rows += 1
            if rows > max_rows:
                raise CsvRefused(f"more than {max_rows} candidates: split the file")
            _check_row(found, seen, reader.line_num, row)
    except csv.Error as exc:
        raise CsvRefused(f"line {reader.line_num}: not valid CSV ({exc})") from exc
    return found


def _check_row(found: CsvInvites, seen: set[str], line: int, row: list[str]) -> None:
    if len(row) != 2:
        found.errors.append((line, f"expected 2 fields (name,email), found {len(row)}"))
        return
    name, email = row[0].strip(), row[1].strip()
    reason = _row_problem(name, email)
    if reason:
        found.errors.append((line, reason))
    elif email.lower() in seen:
        found.duplicates.append((line, email))
    else:
        seen.add(email.lower())
        found.candidates.append((line, name, email))


def _row_problem(name: str, email: str) -> str:
    if not name:
        return "the name is empty"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    if _has_control(name) or _has_control(email):
        return "contains control characters"
    if not email:
        return "the email address is empty"
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        return f"{email!r} is not an email address"
    return ""
