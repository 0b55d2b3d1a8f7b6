"""A hiring team's own project as a challenge: Flask's tutorial (flaskr), ported as the porting
guide in challenges/README.md says, validates with no file added to the candidate's code.

flaskr is a package with a factory called with literal arguments, an SQLite database that the
`flask --app flaskr init-db` set-up step creates, and the tutorial's tests ported to HTTP,
reading what the app stored through `app_files`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.pipeline import grade_path
from grader.sandbox.bare import BareSandbox
from grader.validation import validate_challenge

FLASKR = Path(__file__).parents[1] / "fixtures" / "challenges" / "flaskr"


@pytest.fixture(scope="module")
def bare():
    return BareSandbox()


def test_flaskr_validates_with_its_set_up_step_and_ported_tests(bare, settings):
    challenge = load_challenge(FLASKR)
    assert challenge.setup == ("flask --app flaskr init-db",)
    report = validate_challenge(challenge, sandbox=bare, settings=settings, workers=2)
    assert report.ok, "\n".join(f"{c.name}: {c.detail}" for c in report.checks if not c.ok)


def test_the_solution_is_the_tutorial_with_nothing_added():
    """Only the tutorial's own files: no wsgi.py, no database, no test hooks."""
    files = sorted(
        str(p.relative_to(FLASKR / "solution"))
        for p in (FLASKR / "solution").rglob("*")
        if p.is_file()
    )
    assert files == [
        "flaskr/__init__.py", "flaskr/auth.py", "flaskr/blog.py", "flaskr/db.py",
        "flaskr/schema.sql", "flaskr/static/style.css", "flaskr/templates/auth/login.html",
        "flaskr/templates/auth/register.html", "flaskr/templates/base.html",
        "flaskr/templates/blog/create.html", "flaskr/templates/blog/index.html",
        "flaskr/templates/blog/update.html",
    ]  # fmt: skip


def test_without_its_set_up_step_the_reference_fails_with_the_cause(bare, settings, tmp_path):
    """The failure the issue met: the table is missing, and the result says so."""
    root = tmp_path / "flaskr"
    shutil.copytree(FLASKR, root)
    manifest = root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace('setup = ["flask --app flaskr init-db"]', ""))
    result = grade_path(
        challenge=load_challenge(root), path=root / "solution", sandbox=bare, settings=settings
    )
    assert result.score < 50
    assert "no such table: user" in result.app_log


def test_a_failing_set_up_step_names_itself_in_the_result(bare, settings, tmp_path):
    root = tmp_path / "flaskr"
    shutil.copytree(FLASKR, root)
    manifest = root / "challenge.toml"
    manifest.write_text(manifest.read_text().replace("init-db", "init-dbs"))
    result = grade_path(
        challenge=load_challenge(root), path=root / "solution", sandbox=bare, settings=settings
    )
    assert result.status == "app_failed"
    assert result.reason.startswith(
        "set-up step 1 (`flask --app flaskr init-dbs`) failed with exit 2:"
    )
    assert "No such command 'init-dbs'" in result.reason
