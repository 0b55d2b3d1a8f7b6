"""The cohort export: ``scores.csv``, one row per candidate and challenge, for spreadsheets.

Written as UTF-8 with a byte-order mark (Excel reads a file without one in the machine's
legacy code page, and garbles names; LibreOffice, Numbers and Google Sheets ignore the mark),
with RFC 4180 quoting and CRLF line ends. A cell a spreadsheet would read as a formula (it
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: OWASP's "CSV injection")
is written with a leading single quote, so a candidate named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from grader.reports.views import number

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "candidate",
    "email",
    "challenge",
    "counted",
    "submitted_at",
    "graded_at",
    "status",
    "automatic_score",
    "adjusted_score",
    "adjustment_reason",
    "rubric_points",
    "rubric_max",
    "similarity",
    "decision",
    "notes",
)


@dataclass(frozen=True)
class ScoreRow:
    """One candidate's counted submission to one challenge (or its absence)."""

    candidate: str
    challenge: str
    status: str  # a result status, or "not submitted", "queued", "running"
    automatic_score: float | None = None
    adjusted_score: float | None = None
    submitted_at: str = ""  # ISO 8601, UTC
    graded_at: str = ""
    email: str = ""
    counted: str = ""  # "latest" or "best" submission, where there were several to choose from
    adjustment_reason: str = ""
    rubric_points: float | None = None
    rubric_max: float | None = None
    similarity: str = ""  # "identical to Bob; 91% similar to Carol"
    decision: str = ""
    notes: str = ""

    def cells(self) -> list[str]:
        """The row's cells in COLUMNS order, as text."""
        values = {
            **{name: getattr(self, name) for name in COLUMNS},
            "automatic_score": _number(self.automatic_score),
            "adjusted_score": _number(self.adjusted_score),
            "rubric_points": _number(self.rubric_points),
            "rubric_max": _number(self.rubric_max),
        }
        return [str(values[name]) for name in COLUMNS]


def _number(value: float | None) -> str:
    return "" if value is None else number(value)


def safe_cell(text: str) -> str:
    """Keep a cell from being read as a formula: prefix a single quote where it could be one."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def scores_csv(rows: Iterable[ScoreRow]) -> str:
    """Render rows as the text of scores.csv (with its BOM); write it with newline=""."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row.cells()])
    return BOM + buffer.getvalue()
