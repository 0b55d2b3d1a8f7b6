"""A batch flags similar and identical submissions and writes scores.csv beside its index."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from grader.batch import discover, run_batch
from grader.challenges import load_challenge
from grader.sandbox.bare import BareSandbox
from grader.scores_csv import BOM, COLUMNS

BANK = Path(__file__).parents[2] / "challenges"


@pytest.fixture(scope="module")
def cohort_batch(tmp_path_factory, settings):
    """Alice: the reference; Dave: the same bytes; Bob: renamed; Carol: her own solution."""
    challenge = load_challenge(BANK / "flask-basics")
    root = tmp_path_factory.mktemp("cohort")
    submissions = root / "in"
    submissions.mkdir()
    for name in ("alice", "dave", "bob"):
        shutil.copytree(challenge.solution_dir, submissions / name)
    app = submissions / "bob" / "app.py"
    app.write_text(re.sub(r"\bstore\b", "db", app.read_text()).replace("incident", "event"))
    shutil.copytree(challenge.root / "samples" / "classic_answer", submissions / "=carol")
    outcome = run_batch(
        items=discover([challenge], submissions),
        sandbox=BareSandbox(),
        settings=settings,
        out_dir=root / "out",
        workers=2,
    )
    return outcome, root / "out"


def test_scores_csv_sits_beside_the_index_with_a_row_per_candidate(cohort_batch) -> None:
    outcome, out = cohort_batch
    text = (out / "scores.csv").read_text(encoding="utf-8")
    assert text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [r["candidate"] for r in rows] == ["'=carol", "alice", "bob", "dave"]
    by_name = {r["candidate"]: r for r in rows}
    assert by_name["alice"]["automatic_score"] == "100"
    assert by_name["alice"]["status"] == "graded"
    assert by_name["alice"]["submitted_at"].endswith("+00:00")
    assert by_name["alice"]["similarity"].startswith("identical to dave")
    assert "similar to alice" in by_name["bob"]["similarity"]
    assert by_name["'=carol"]["similarity"] == ""
    assert list(rows[0]) == list(COLUMNS)
    assert 'href="scores.csv"' in outcome.index.read_text()


def test_the_index_lists_flagged_pairs_with_a_side_by_side_page(cohort_batch) -> None:
    outcome, out = cohort_batch
    index = outcome.index.read_text()
    assert "Similar submissions" in index
    assert index.count("data-pair=") == 3  # alice/dave identical, bob with each of them
    pages = sorted((out / "similarity" / "flask-basics").glob("*.html"))
    assert len(pages) == 3
    assert 'href="similarity/flask-basics/1.html"' in index
    page = pages[1].read_text()
    assert "data-side-by-side" in page and 'class="match"' in page
    assert (
        "../../bob/flask-basics/report.html"
        in (out / "similarity/flask-basics/2.html").read_text()
        + (out / "similarity/flask-basics/3.html").read_text()
    )
