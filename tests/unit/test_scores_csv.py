"""scores.csv opens cleanly in a spreadsheet and cannot carry a formula."""

from __future__ import annotations

import csv
import io

import pytest

from grader.scores_csv import BOM, COLUMNS, ScoreRow, safe_cell, scores_csv


def _read(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def test_the_file_starts_with_a_bom_and_a_header_and_ends_lines_with_crlf() -> None:
    text = scores_csv([ScoreRow("Zoë Ångström", "routing", "graded", 91.5)])
    assert text.startswith(BOM + ",".join(COLUMNS) + "\r\n")
    assert text.endswith("\r\n")
    header, row = _read(text)
    assert header == list(COLUMNS)
    assert row[0] == "Zoë Ångström"
    assert row[COLUMNS.index("automatic_score")] == "91.5"
    assert row[COLUMNS.index("adjusted_score")] == ""


def test_commas_quotes_and_line_breaks_are_quoted_as_rfc_4180_says() -> None:
    notes = 'said "fine", then\nleft'
    text = scores_csv([ScoreRow("Doe, Jane", "routing", "graded", 50, notes=notes)])
    assert '"Doe, Jane"' in text
    assert '"said ""fine"", then\nleft"' in text
    assert _read(text)[1][COLUMNS.index("notes")] == notes


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_a_cell_that_could_be_a_formula_is_made_text(name: str) -> None:
    row = _read(scores_csv([ScoreRow(name, "routing", "graded", 10)]))[1]
    assert row[0] == "'" + name


def test_ordinary_cells_are_left_alone() -> None:
    assert safe_cell("alice") == "alice"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell("") == ""


def test_scores_are_written_as_people_write_them() -> None:
    row = _read(scores_csv([ScoreRow("a", "c", "graded", 18.2533, 20.0, rubric_points=7)]))[1]
    assert row[COLUMNS.index("automatic_score")] == "18.25"
    assert row[COLUMNS.index("adjusted_score")] == "20"
    assert row[COLUMNS.index("rubric_points")] == "7"
