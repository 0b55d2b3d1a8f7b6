"""Mutants model candidates' mistakes, change one place each, and keep stable ids."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.errors import ChallengeError
from grader.mutation import mutants_of_file, mutants_of_folder, sample, write_mutant

SOURCE = '''\
"""A view module."""
from flask import abort, jsonify, redirect, request, session


@bp.route("/items/<name>")
@login_required
def show(name):
    """Show an item."""  # a docstring is not code
    if len(name) > 10 and name not in ITEMS:
        abort(404)
    session["user_id"] = request.form.get("user")
    return redirect(f"/items/{name}", code=301)
'''


def _by_operator(mutants):
    found = {}
    for mutant in mutants:
        found.setdefault(mutant.operator, []).append((mutant.before, mutant.after))
    return found


def test_each_operator_models_a_real_mistake():
    found = _by_operator(mutants_of_file("app/views.py", SOURCE))
    assert ("len(name) > 10", "(len(name) >= 10)") in found["compare"]
    assert ("name not in ITEMS", "(name in ITEMS)") in found["compare"]
    assert ("404", "400") in found["status-code"]
    assert ("301", "302") in found["status-code"]
    assert ("10", "11") in found["number"] and ("10", "9") in found["number"]
    assert found["boolean"][0][1].startswith("(len(name) > 10 or")
    assert ("@login_required", "(deleted)") in found["decorator"]
    assert ('redirect(f"/items/{name}", code=301)', "redirect(f'/items/{name}')") in found[
        "keyword"
    ]
    assert ("abort(404)", "pass") in found["call"]
    assert ('"user_id"', "'user_id_'") in found["dict-key"]
    assert ('"user"', "'user_'") in found["dict-key"]


def test_a_mutant_changes_one_place_and_keeps_comments_and_docstrings():
    mutants = mutants_of_file("app/views.py", SOURCE)
    assert all(m.source.count("# a docstring is not code") == 1 for m in mutants)
    assert not any("A view module" in m.before or "Show an item" in m.before for m in mutants)
    for mutant in mutants:
        ast.parse(mutant.source)  # every mutant compiles
        changed = [
            n
            for n, (a, b) in enumerate(
                zip(SOURCE.splitlines(), mutant.source.splitlines(), strict=True)
            )
            if a != b
        ]
        assert len(changed) == 1 and changed[0] + 1 == mutant.line, mutant.id


def test_ids_name_file_line_operator_and_ordinal_and_are_stable():
    first = [m.id for m in mutants_of_file("app/views.py", SOURCE)]
    assert first == [m.id for m in mutants_of_file("app/views.py", SOURCE)]
    assert len(set(first)) == len(first)
    assert "app/views.py:10:status-code:1" in first
    assert "app/views.py:9:compare:2" in first  # the second comparison on line 9


def test_a_file_that_does_not_parse_has_no_mutants():
    assert mutants_of_file("broken.py", "def (:\n") == []


def test_sampling_keeps_the_same_mutants_in_order():
    mutants = mutants_of_file("app/views.py", SOURCE)
    kept = sample(mutants, 5)
    assert kept == sample(mutants, 5) and len(kept) == 5
    assert [mutants.index(m) for m in kept] == sorted(mutants.index(m) for m in kept)
    assert sample(mutants, None) == mutants


def test_a_written_mutant_is_the_solution_with_one_file_changed(tmp_path: Path):
    solution = tmp_path / "solution"
    (solution / "app").mkdir(parents=True)
    (solution / "app" / "views.py").write_text(SOURCE)
    (solution / "app" / "data.txt").write_text("kept")
    mutant = mutants_of_folder(solution)[0]
    write_mutant(solution, mutant, tmp_path / "mutant")
    assert (tmp_path / "mutant" / "app" / "data.txt").read_text() == "kept"
    assert (tmp_path / "mutant" / "app" / "views.py").read_text() == mutant.source
    assert (solution / "app" / "views.py").read_text() == SOURCE


def test_a_reference_file_that_is_not_utf8_is_named_not_a_traceback(tmp_path: Path):
    (tmp_path / "app.py").write_bytes(b'NAME = "caf\xe9"\n')
    with pytest.raises(ChallengeError, match=r"solution/app.py is not UTF-8"):
        mutants_of_folder(tmp_path)


def test_a_file_too_deeply_nested_to_parse_has_no_mutants():
    assert mutants_of_file("deep.py", "x = " + "(" * 300 + "1" + ")" * 300 + "\n") == []
