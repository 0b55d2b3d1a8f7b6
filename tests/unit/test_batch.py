"""Batch grading finds every candidate's work, survives bad submissions and writes everything."""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from grader.batch import discover, run_batch
from grader.errors import InputRejected
from grader.sandbox.bare import BareSandbox

SUBMISSIONS = Path(__file__).parents[1] / "fixtures" / "submissions"
OUTPUT_FILES = ("result.json", "report.html", "candidate.html", "junit.xml", "gradescope.json")


def _zip_folder(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder).as_posix())


def test_one_challenge_takes_each_entry_as_a_candidate(probe_challenge, tmp_path):
    _zip_folder(SUBMISSIONS / "passes_all", tmp_path / "alice.zip")
    shutil.copytree(SUBMISSIONS / "syntax_error", tmp_path / "bob")
    (tmp_path / ".DS_Store").write_text("junk")
    items = discover([probe_challenge], tmp_path)
    assert [(i.candidate, i.path.name) for i in items] == [("alice", "alice.zip"), ("bob", "bob")]


def test_several_challenges_take_one_folder_per_candidate(probe_challenge, tmp_path):
    other = replace(probe_challenge, slug="other")
    (tmp_path / "alice").mkdir()
    _zip_folder(SUBMISSIONS / "passes_all", tmp_path / "alice" / "sandbox-probe.zip")
    shutil.copytree(SUBMISSIONS / "passes_all", tmp_path / "alice" / "other")
    (tmp_path / "bob").mkdir()
    items = discover([probe_challenge, other], tmp_path)
    found = {(i.candidate, i.challenge.slug): i.path for i in items}
    assert found[("alice", "sandbox-probe")].name == "sandbox-probe.zip"
    assert found[("alice", "other")].name == "other"
    assert found[("bob", "sandbox-probe")] is None


@pytest.mark.parametrize("make", [lambda p: None, lambda p: (p / ".hidden").write_text("x")])
def test_empty_folder_is_rejected_with_the_expected_layout(probe_challenge, tmp_path, make):
    make(tmp_path)
    with pytest.raises(InputRejected, match="one entry per candidate"):
        discover([probe_challenge], tmp_path)


def test_batch_survives_bad_submissions_and_writes_every_file(probe_challenge, settings, tmp_path):
    submissions = tmp_path / "in"
    submissions.mkdir()
    shutil.copytree(SUBMISSIONS / "passes_all", submissions / "alice")
    shutil.copytree(SUBMISSIONS / "syntax_error", submissions / "bob")
    (submissions / "carol.zip").write_bytes(b"this is not a zip")
    (submissions / "<script>dave.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    lines: list[str] = []
    outcome = run_batch(
        items=discover([probe_challenge], submissions),
        sandbox=BareSandbox(),
        settings=settings,
        out_dir=tmp_path / "out",
        workers=2,
        on_done=lines.append,
    )
    statuses = {r.candidate: r.status for r, _ in outcome.rows}
    assert statuses == {
        "alice": "graded", "bob": "app_failed", "carol": "rejected", "<script>dave": "rejected"
    }  # fmt: skip
    assert len(lines) == 4
    for _, link in outcome.rows:
        folder = (tmp_path / "out" / link).parent
        assert folder.resolve().is_relative_to((tmp_path / "out").resolve())
        for name in OUTPUT_FILES:
            assert (folder / name).is_file(), f"{folder}/{name}"
    index = outcome.index.read_text()
    assert "&lt;script&gt;dave" in index
    assert "<script>dave" not in index
