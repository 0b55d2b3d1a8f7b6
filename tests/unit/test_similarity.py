"""Similarity across a cohort: renamed copies are flagged, independent solutions are not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.reports import render_similarity_pair
from grader.similarity import (
    KGRAM,
    WINDOW,
    Entry,
    boilerplate,
    challenge_boilerplate,
    compare_cohort,
    fingerprint,
    python_tokens,
    side_by_side,
)
from grader.similarity_bench import reference_files, varied_copy

BANK = Path(__file__).parents[2] / "challenges"
THRESHOLD = 70.0


def _code(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".py", ".html")
    }


def _renamed(files: dict[str, str], renames: dict[str, str]) -> dict[str, str]:
    """A copy with identifiers renamed and comments reworded, as a candidate hiding a copy."""
    out = {}
    for path, text in files.items():
        for old, new in renames.items():
            text = re.sub(rf"\b{old}\b", new, text)
        out[path] = text.replace('"""', '"""Reworded. ', 1)
    return out


def _entry(key: str, files: dict[str, str], sha: str = "") -> Entry:
    return Entry(key, key, sha or f"sha-of-{key}", files)


@pytest.fixture(scope="module")
def flask_basics():
    return load_challenge(BANK / "flask-basics")


def test_a_copy_with_renamed_variables_is_flagged(flask_basics) -> None:
    original = _code(flask_basics.solution_dir)
    copy = _renamed(
        original,
        {"store": "db", "incident": "ticket", "incidents": "tickets", "payload": "body",
         "title": "name", "severity": "level", "IncidentStore": "Tickets"},
    )  # fmt: skip
    cohort = compare_cohort(
        [_entry("alice", original), _entry("bob", copy)],
        exclude=challenge_boilerplate(flask_basics),
        threshold=THRESHOLD,
    )
    assert [(p.a.key, p.b.key) for p in cohort.pairs] == [("alice", "bob")]
    pair = cohort.pairs[0]
    assert not pair.identical and pair.percent >= 85
    assert cohort.flag("alice") == f"{pair.percent}% similar to bob"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("solution", "samples/classic_answer"),
        ("solution", "samples/happy_path_only"),
        ("samples/classic_answer", "samples/strong_but_imperfect"),
        ("samples/happy_path_only", "samples/json_dumps_returns_html"),
    ],
)
def test_independent_solutions_of_the_same_starter_are_not_flagged(flask_basics, a, b) -> None:
    root = flask_basics.root
    cohort = compare_cohort(
        [_entry("a", _code(root / a)), _entry("b", _code(root / b))],
        exclude=challenge_boilerplate(flask_basics),
        threshold=THRESHOLD,
    )
    assert cohort.pairs == ()
    assert cohort.flag("a") == ""


def test_the_starter_alone_is_no_match(flask_basics) -> None:
    """Two candidates who each add a little to the starter share only the starter."""
    starter = _code(flask_basics.starter_dir)
    mine = {**starter, "app.py": starter["app.py"] + "\n\ndef mine(x):\n    return x * 2\n"}
    theirs = {**starter, "app.py": starter["app.py"] + "\n\nLIMIT = {'a': [1, 2, 3]}\n"}
    exclude = challenge_boilerplate(flask_basics)
    assert len(fingerprint(starter, exclude=exclude)) == 0
    cohort = compare_cohort(
        [_entry("a", mine), _entry("b", theirs)], exclude=exclude, threshold=THRESHOLD
    )
    assert cohort.pairs == ()


def test_code_from_the_statement_is_left_out() -> None:
    snippet = "def area(width, height):\n    total = width * height\n    return max(total, 0)\n" * 4
    statement = f"# Task\n\nStart from this:\n\n```python\n{snippet}```\n"
    files = {"app.py": snippet}
    assert len(fingerprint(files)) > 0
    assert len(fingerprint(files, exclude=boilerplate({}, statement))) == 0


def test_identical_bytes_are_flagged_as_identical_whatever_the_code() -> None:
    cohort = compare_cohort(
        [_entry("a", {}, sha="s1"), _entry("b", {}, sha="s1"), _entry("c", {}, sha="s2")],
        threshold=THRESHOLD,
    )
    assert [(p.a.key, p.b.key, p.label) for p in cohort.pairs] == [("a", "b", "identical")]
    assert cohort.flag("b") == "identical to a"


def test_names_strings_numbers_and_comments_do_not_matter() -> None:
    one = python_tokens('def f(a):\n    """Doc."""\n    return a + 1  # add\n')
    two = python_tokens("def grow(value):\n    return value + 2\n")
    assert [t for t, _ in one] == [t for t, _ in two]


def test_winnowing_finds_every_common_run_of_the_guaranteed_length() -> None:
    common = "x = compute(alpha, beta)\n" * ((KGRAM + WINDOW) // 4 + 2)
    a = {"a.py": "import os\nprint(os.name)\n" + common}
    b = {"b.py": "for i in range(3):\n    pass\n" + common + "y = [1, 2]\n"}
    assert fingerprint(a).hashes & fingerprint(b).hashes


def test_code_that_does_not_tokenise_keeps_what_came_before() -> None:
    tokens = python_tokens('def ok():\n    return 1\nbroken = """never closed\n')
    assert ("def", 1) in tokens


def test_side_by_side_marks_the_matching_lines_and_escapes_the_code(flask_basics) -> None:
    original = _code(flask_basics.solution_dir)
    original["app.py"] += "\n# </table><script>alert(1)</script>\n"
    copy = _renamed(original, {"store": "db", "incident": "ticket"})
    exclude = challenge_boilerplate(flask_basics)
    view = side_by_side(original, copy, exclude=exclude)
    assert view.regions
    marked = [line for f in view.a for line in f.lines if line.region]
    assert len(marked) > 50
    cohort = compare_cohort(
        [_entry("alice", original), _entry("<b>bob</b>", copy)],
        exclude=exclude,
        threshold=THRESHOLD,
    )
    html = render_similarity_pair(
        cohort.pairs[0],
        cohort.side_by_side(cohort.pairs[0], exclude=exclude),
        challenge_title="Flask basics",
        a_link="a.html",
        b_link="b.html",
        index_link="index.html",
    )
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>bob</b>" not in html and "&lt;b&gt;bob&lt;/b&gt;" in html
    assert 'id="a-1"' in html and 'href="#b-1"' in html


def test_the_benchmark_copies_stay_alike(flask_basics) -> None:
    import random

    reference = reference_files(flask_basics)
    rng = random.Random(1)
    entries = [_entry(f"c{n}", varied_copy(reference, rng)) for n in range(4)]
    cohort = compare_cohort(
        entries, exclude=challenge_boilerplate(flask_basics), threshold=THRESHOLD
    )
    assert len(cohort.pairs) == 6
