"""The interviewer's code view: submitted files kept bounded, shown safely, linked from the log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.reports import render_candidate, render_report
from grader.reports.code import code_view, file_anchor, linked, make_visible
from grader.results import Result, SubmittedFile, load_result
from grader.submitted_files import (
    FILE_BYTES,
    FILE_LINES,
    LINE_CHARS,
    MAX_FILES,
    TOTAL_CHARS,
    read_submitted_files,
)

APP = (
    "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
    "@app.get('/')\ndef home():\n    return 1 / 0\n"
)


def _result(files: tuple[SubmittedFile, ...], app_log: str = "", files_cut: str = "") -> Result:
    return Result(
        challenge="routing",
        challenge_title="URL routing",
        challenge_version="v1",
        submission_sha256="ab" * 32,
        submission_name="alice.zip",
        status="app_failed",
        reason="the app did not start",
        score=0.0,
        app_log=app_log,
        files=files,
        files_cut=files_cut,
    )


def _read(tmp_path: Path, files: dict[str, bytes]) -> tuple[tuple[SubmittedFile, ...], str]:
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    return read_submitted_files(tmp_path, sorted(files))


# -- what a result keeps ----------------------------------------------------------------------


def test_an_ordinary_file_is_kept_whole(tmp_path: Path) -> None:
    files, cut = _read(tmp_path, {"app.py": APP.encode()})
    assert files == (SubmittedFile("app.py", len(APP), APP),) and cut == ""


@pytest.mark.parametrize(
    ("data", "expected_cut"),
    [
        (b"x = 1\n" * (FILE_LINES + 5), f"first {FILE_LINES} of {FILE_LINES + 5} lines"),
        (b"s = '" + b"a" * (LINE_CHARS * 3) + b"'\n", f"longer than {LINE_CHARS} characters cut"),
        (b"# " + b"b" * (FILE_BYTES * 4) + b"\n", "first 64 KiB of 256 KiB"),
        (b"name = '\xe9t\xe9'\n", "not valid UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file: not shown"),
    ],
    ids=["many lines", "a huge line", "a huge file", "latin-1", "binary"],
)
def test_hostile_files_are_cut_and_say_so(tmp_path: Path, data: bytes, expected_cut: str) -> None:
    (item,), _ = _read(tmp_path, {"app.py": data})
    assert expected_cut in item.cut
    assert item.size_bytes == len(data)
    assert len(item.text) <= FILE_BYTES + FILE_LINES * 2
    assert all(len(line) <= LINE_CHARS + 2 for line in item.text.splitlines())


def test_a_cut_inside_a_character_is_not_called_invalid_utf8(tmp_path: Path) -> None:
    data = b"#" + "é".encode() * FILE_BYTES
    (item,), _ = _read(tmp_path, {"app.py": data})
    assert "not valid UTF-8" not in item.cut and "�" not in item.text


def test_thousands_of_files_are_listed_up_to_the_cap(tmp_path: Path) -> None:
    files, cut = _read(tmp_path, {f"pkg/m{n:04d}.py": b"x = 1\n" for n in range(MAX_FILES + 50)})
    assert len(files) == MAX_FILES
    assert cut == f"50 more files not listed: the report keeps {MAX_FILES}"


def test_the_text_kept_across_files_is_bounded(tmp_path: Path) -> None:
    big = (b"y" * 900 + b"\n") * 70  # 63 KiB each: four fill the budget
    files, _ = _read(tmp_path, {f"m{n}.py": big for n in range(8)})
    assert sum(len(f.text) for f in files) <= TOTAL_CHARS
    assert "code is spent" in files[-1].cut and files[-1].text == ""


# -- how the report shows it ------------------------------------------------------------------


def test_files_are_highlighted_with_numbered_lines() -> None:
    html = render_report(_result((SubmittedFile("app.py", len(APP), APP),)))
    anchor = file_anchor("app.py")
    assert f'id="{anchor}"' in html and f'id="{anchor}-L8"' in html
    assert f'id="{anchor}-L9"' not in html
    assert '<span class="hl-k">def</span>' in html
    assert ".code .hl-k {" in html  # the highlighter's colours, inline: the page loads nothing


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("x = '<script>alert(1)</script>'\n", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("</td></tr></table><img src=x onerror=alert(1)>\n", "&lt;img src=x onerror=alert(1)&gt;"),
        ("a = 1\x00\x1b[2J\x7f\n", "a = 1␀␛[2J␡"),
        ("access = 'user\u202e \u2066// admin\u2069 \u2066'\n", "⟦U+202E⟧"),
        ("{{ 7*7 }} {% raw %}\n", "{{ 7*7 }}"),
    ],
    ids=["script", "markup", "controls", "bidi", "template"],
)
def test_hostile_text_is_shown_as_text(text: str, shown: str) -> None:
    html = render_report(_result((SubmittedFile("evil.txt", len(text), text),)))
    section = html[html.index('id="code"') :]
    assert shown in section
    assert "<script>" not in section and "<img" not in section
    assert "\x00" not in html and "\u202e" not in html and "\x1b" not in html


def test_a_hostile_document_is_bounded_again_when_rendered() -> None:
    huge = "z" * 50_000 + "\n" + "line\n" * 100_000
    doc = _result((SubmittedFile("app.py", len(huge), huge),)).to_dict()
    doc["files"] *= 3  # the same file thrice: the total budget ends it
    html = render_report(load_result(__import__("json").dumps(doc)))
    assert html.count('<td class="ln">') <= 3 * FILE_LINES
    assert len(html) < 4 * 1024 * 1024
    assert f"first {FILE_LINES} of 100001 lines" in html


def test_an_invisible_path_is_made_visible() -> None:
    assert make_visible("app\u202epy.txt") == "app⟦U+202E⟧py.txt"
    view = code_view(_result((SubmittedFile("app\u202etxt.py", 1, "x\n"),)))
    assert view.files[0].path == "app⟦U+202E⟧txt.py"


def test_traceback_lines_link_to_the_submitted_line() -> None:
    files = (
        SubmittedFile("app.py", len(APP), APP),
        SubmittedFile("pkg/app.py", len(APP), APP),
    )
    view = code_view(_result(files))
    log = (
        '  File "/sandbox/candidate/app/app.py", line 8, in home\n'
        '  File "/sandbox/candidate/app/pkg/app.py", line 2, in <module>\n'
        '  File "/usr/lib/python3/site-packages/flask/app.py", line 9, in x\n'
        "pkg/app.py:99: E501 <b>\n"
        "http://127.0.0.1:5000 is not a file\n"
    )
    html = str(linked(log, view))
    links = re.findall(r'href="#([^"]+)"', html)
    top, pkg = file_anchor("app.py"), file_anchor("pkg/app.py")
    # Flask's own app.py is not the candidate's; a line past the end links the file.
    assert links == [f"{top}-L8", f"{pkg}-L2", pkg]
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_nothing_links_without_files() -> None:
    text = 'File "app.py", line 3 <i>'
    assert str(linked(text, None)) == "File &#34;app.py&#34;, line 3 &lt;i&gt;"
    assert str(linked(text, code_view(_result(())))) == str(linked(text, None))


def test_the_report_links_the_app_log_to_the_code() -> None:
    result = _result(
        (SubmittedFile("app.py", len(APP), APP),),
        app_log='Traceback (most recent call last):\n  File "/w/app.py", line 8, in home\n',
    )
    html = render_report(result)
    assert f'href="#{file_anchor("app.py")}-L8" data-code-link>' in html


def test_a_result_without_files_says_so() -> None:
    html = render_report(_result(()))
    assert "data-no-code" in html and "recorded before reports kept them" in html


def test_the_candidate_page_has_no_code_view() -> None:
    canary = "CANARY_SOURCE_LINE = 42\n"
    result = _result((SubmittedFile("app.py", len(canary), canary),))
    page = render_candidate(result)
    assert "CANARY_SOURCE_LINE" not in page and 'id="code"' not in page
