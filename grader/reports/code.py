"""The interviewer's code view: submitted files highlighted (Pygments), numbered, and linked to.

Everything shown is escaped (Pygments escapes what it highlights; the rest goes through
markupsafe), invisible and control characters are made visible, and the caps of
``grader.submitted_files`` are applied again: a result document read from disk may be hostile.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

from markupsafe import Markup, escape

# Pygments ships no type information (stubs: types-Pygments, not a dependency yet).
from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import (  # type: ignore[import-untyped]
    get_lexer_by_name,
    get_lexer_for_filename,
)
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

from grader.results import Result, SubmittedFile
from grader.submitted_files import MAX_FILES, TOTAL_CHARS, cap_text

_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")
# Rules of the highlighting classes only: Pygments also styles every `pre` and its own line
# numbers, which would restyle the rest of the page.
STYLE_DEFS = Markup(
    "\n".join(
        rule
        for rule in _FORMATTER.get_style_defs(".code").splitlines()
        if rule.startswith(".code .hl-")
    )
)
# Lexers by suffix that Pygments would guess less well for a Flask project.
_LEXERS = {".html": "html+jinja", ".htm": "html+jinja", ".jinja": "html+jinja", ".j2": "html+jinja"}
_TEMPLATE_FOLDER = "templates"

# C0 and C1 controls (tab and line feed excepted), DEL, and the invisible characters that make
# code read differently from how it runs (bidirectional overrides: "Trojan Source").
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
# "File "/sandbox/candidate/app.py", line 12" (tracebacks), "app/views.py:12" (pytest, linters).
_FILE_LINE = re.compile(
    r'File "(?P<quoted>[^"\n]{1,400})", line (?P<qline>\d{1,7})'
    r"|(?P<bare>[\w.\-/\\]{1,400}\.\w{1,10}):(?P<bline>\d{1,7})"
)


# Where installed libraries live: a traceback's frames there are never submitted files.
_LIBRARY_FOLDERS = frozenset({"site-packages", "dist-packages"})
_LIBRARY_PREFIXES = ("/usr/lib/python", "/usr/local/lib/python", "<")


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀, ␛, ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"⟦U+{code:04X}⟧"


def make_visible(text: str) -> str:
    """Show control and invisible characters as visible symbols (␀, ⟦U+202E⟧)."""
    return _INVISIBLE.sub(lambda m: _visible(m.group()), text)


def file_anchor(path: str) -> str:
    """A page-safe element id for a submitted file."""
    return "file-" + hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@cache
def _lexer_named(name: str) -> Lexer:
    return get_lexer_by_name(name, stripnl=False, ensurenl=True)


def _lexer(path: str) -> Lexer | None:
    """The lexer for a file by its name, or None to show it as plain text."""
    pure = PurePosixPath(path)
    name = _LEXERS.get(pure.suffix.lower())
    if name is None and _TEMPLATE_FOLDER in pure.parts[:-1]:
        name = "html+jinja"
    if name is not None:
        return _lexer_named(name)
    try:
        return get_lexer_for_filename(pure.name, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


@dataclass(frozen=True)
class FileView:
    """One submitted file ready to lay out: highlighted lines, and what was cut."""

    path: str
    anchor: str
    size_bytes: int
    binary: bool
    language: str
    lines: tuple[Markup, ...]
    cut: str
    chars: int  # of text shown, counted against the view's budget

    def line_anchor(self, number: int) -> str:
        return f"{self.anchor}-L{number}"


@dataclass(frozen=True)
class CodeView:
    """Every submitted file of a result, and how to link a path and line to them."""

    files: tuple[FileView, ...]
    cut: str

    def link(self, path: str, line: int) -> str | None:
        """Return the anchor of ``path``'s line, matching the longest submitted path it ends
        with (a traceback names the file where the sandbox put it); None if none matches."""
        parts = tuple(p for p in path.replace("\\", "/").split("/") if p not in ("", "."))
        if _LIBRARY_FOLDERS & set(parts) or path.startswith(_LIBRARY_PREFIXES):
            return None  # Flask's own app.py is not the candidate's
        best: FileView | None = None
        best_len = 0
        for view in self.files:
            own = PurePosixPath(view.path).parts
            if len(own) > best_len and parts[-len(own) :] == own:
                best, best_len = view, len(own)
        if best is None:
            return None
        if 1 <= line <= len(best.lines):
            return best.line_anchor(line)
        return best.anchor


def _highlighted(path: str, text: str) -> tuple[str, tuple[Markup, ...]]:
    lexer = _lexer(path)
    plain = text.split("\n")[:-1] if text else []
    if lexer is None:
        return "text", tuple(Markup(escape(line)) for line in plain)
    lines = highlight(text, lexer, _FORMATTER).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(plain):  # a lexer that moved lines: numbers must stay true
        return "text", tuple(Markup(escape(line)) for line in plain)
    return lexer.name, tuple(Markup(line) for line in lines)


def file_view(item: SubmittedFile, budget: int) -> FileView:
    """Lay out one file: capped again, invisible characters shown, highlighted by its name."""
    notes = [item.cut] if item.cut else []
    text, cut = cap_text(item.text, max_chars=max(budget, 0)) if item.text else ("", [])
    notes += [note for note in cut if note not in item.cut]
    language, lines = _highlighted(item.path, make_visible(text))
    return FileView(
        path=make_visible(item.path),
        anchor=file_anchor(item.path),
        size_bytes=item.size_bytes,
        binary=item.binary,
        language="binary" if item.binary else language,
        lines=lines,
        cut="; ".join(notes),
        chars=len(text),
    )


def code_view(result: Result) -> CodeView:
    """Lay out a result's submitted files, bounded as the result's writer bounds them."""
    views = []
    budget = TOTAL_CHARS
    for item in result.files[:MAX_FILES]:
        view = file_view(item, budget)
        budget -= view.chars
        views.append(view)
    cut = result.files_cut
    if len(result.files) > MAX_FILES:
        cut = f"{len(result.files) - MAX_FILES} more files not listed: the report shows {MAX_FILES}"
    return CodeView(tuple(views), cut)


def linked(text: str, view: CodeView | None) -> Markup:
    """Escape ``text``, linking each "file, line" it names to that line of a submitted file."""
    if view is None or not view.files:
        return Markup(escape(text))
    out: list[str] = []
    last = 0
    for match in _FILE_LINE.finditer(text):
        path = match.group("quoted") or match.group("bare")
        line = int(match.group("qline") or match.group("bline"))
        target = view.link(path, line)
        if target is None:
            continue
        out.append(escape(text[last : match.start()]))
        out.append(
            Markup('<a class="code-link" href="#{}" data-code-link>{}</a>').format(
                target, match.group()
            )
        )
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def languages(files: Sequence[FileView]) -> list[str]:
    """The languages the view highlights, for its heading."""
    return sorted({f.language for f in files if f.lines and f.language != "text"})
