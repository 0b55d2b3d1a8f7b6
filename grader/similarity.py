"""Similarity of submissions across a cohort: winnowed fingerprints of normalised tokens (MOSS).

Each submission's Python files are read as tokens (``tokenize``) with every identifier written
``V``, every string ``S`` and every number ``N``, comments and docstrings left out, so that
renaming variables, rewording messages or re-commenting changes nothing; templates (``.html``,
``.jinja``, ``.j2``) are read as words and punctuation. Every run of ``KGRAM`` tokens is hashed
and winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003, the algorithm of MOSS) keeps the
smallest hash of every ``WINDOW`` consecutive ones: a common passage of ``KGRAM + WINDOW - 1``
tokens or more is always found. Every k-gram of the challenge's starter and of the statement's
code snippets is removed from every submission first: code the candidates were given is not a
match. Two submissions are as similar as the share of the smaller one's fingerprints that the
other holds too; byte-identical submissions (same sha256) are "identical" whatever their code.

Why not copydetect (the maintained library that does the same on Pygments tokens): it imports
``matplotlib.pyplot`` at import time and needs numpy, tqdm and matplotlib (with Pillow and its
fonts) in the web app for what is 200 lines of standard library here; it reads files from disk
by path, where results carry their files as text; and it normalises by Pygments token type,
which leaves Python keywords and names less distinct than ``tokenize`` does. Its default
thresholds (noise 25, guarantee 30 tokens) are the ones used here.

Pure: no Flask, no Docker, no database; the starter is read from the challenge folder.
"""

from __future__ import annotations

import io
import keyword
import multiprocessing
import re
import tokenize
import zlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from grader.results import Result

if TYPE_CHECKING:
    from grader.challenges import Challenge

KGRAM = 25  # tokens per hashed run: shorter runs are common idiom, not copying
WINDOW = 6  # k-grams per winnowing window: every common run of KGRAM + WINDOW - 1 is found
# A pair is flagged only when the smaller submission has this many fingerprints of its own
# (beyond the starter): two near-empty submissions are alike, and that means nothing.
MIN_FINGERPRINTS = 8
PYTHON_SUFFIXES = (".py",)
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2")
PARALLEL_FROM = 100  # submissions: below this, starting processes costs more than it saves
FLAG_NAMES = 3  # others named in a submission's flag; the rest are counted
STARTER_MAX_FILES = 200
STARTER_MAX_BYTES = 256 * 1024

_FENCE = re.compile(r"^(?P<fence>```+|~~~+)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_WORD = re.compile(r"\w+|[^\w\s]")
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_JINJA_WORDS = frozenset({
    "for", "in", "if", "elif", "else", "endif", "endfor", "block", "endblock", "extends",
    "include", "import", "from", "as", "with", "endwith", "macro", "endmacro", "call", "endcall",
    "filter", "endfilter", "set", "endset", "raw", "endraw", "not", "and", "or", "is", "true",
    "false", "none", "True", "False", "None", "loop", "super", "self", "safe", "escape", "e",
    "length", "default",
})  # fmt: skip
_SKIPPED = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER, tokenize.ERRORTOKEN}
)
_STRUCTURE = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}"}
_STATEMENT_START = frozenset({";", "{", "}"})

Token = tuple[str, int]  # normalised text, line number (1-based)
Place = tuple[str, int, int]  # file path, first line, last line of a k-gram


def is_code_file(path: str) -> bool:
    """Whether similarity reads this submitted file (Python source and templates)."""
    return path.lower().endswith(PYTHON_SUFFIXES + TEMPLATE_SUFFIXES)


def python_tokens(text: str) -> list[Token]:
    """Normalise Python source to tokens; source that does not tokenise keeps what came before."""
    tokens: list[Token] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in _SKIPPED:
                continue
            if tok.type == tokenize.NAME:
                value = tok.string if keyword.iskeyword(tok.string) else "V"
            elif tok.type == tokenize.STRING:
                value = "S"
            elif tok.type == tokenize.NUMBER:
                value = "N"
            else:
                value = _STRUCTURE.get(tok.type, tok.string)
            tokens.append((value, tok.start[0]))
    except (tokenize.TokenError, SyntaxError):  # unterminated string, bad dedent: stop there
        pass
    return _without_docstrings(tokens)


def _without_docstrings(tokens: list[Token]) -> list[Token]:
    """Drop statements that are only strings (docstrings, strings used as comments)."""
    kept: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j][0] == "S":
            j += 1
        at_start = not kept or kept[-1][0] in _STATEMENT_START
        if j > i and at_start and j < len(tokens) and tokens[j][0] == ";":
            i = j + 1
            continue
        kept.append(tokens[i])
        i += 1
    return kept


def template_tokens(text: str) -> list[Token]:
    """Read a template as words and punctuation, each with its line; inside Jinja's ``{{ }}``
    and ``{% %}`` every name but Jinja's own words is ``V``, and ``{# #}`` comments go."""
    tokens: list[Token] = []
    position, line = 0, 1
    for tag in _JINJA_TAG.finditer(text):
        line = _words(text[position : tag.start()], line, tokens, jinja=False)
        body = tag.group()
        if body.startswith("{#"):
            line += body.count("\n")
        else:
            line = _words(body, line, tokens, jinja=True)
        position = tag.end()
    _words(text[position:], line, tokens, jinja=False)
    return tokens


def _words(text: str, line: int, tokens: list[Token], *, jinja: bool) -> int:
    """Append the words of ``text`` (starting on ``line``) to tokens; return the line it ends on."""
    for number, part in enumerate(text.split("\n")):
        for match in _WORD.finditer(part):
            word = match.group()
            if jinja and word[0].isalpha() and word not in _JINJA_WORDS:
                word = "V"
            tokens.append((word, line + number))
    return line + text.count("\n")


def file_tokens(path: str, text: str) -> list[Token]:
    """Tokens of one submitted file; none for a file similarity does not read."""
    lower = path.lower()
    if lower.endswith(PYTHON_SUFFIXES):
        return python_tokens(text)
    if lower.endswith(TEMPLATE_SUFFIXES):
        return template_tokens(text)
    return []


_TOKEN_IDS: dict[str, int] = {}


def _token_id(text: str) -> int:
    """A stable number for a token (CRC-32 of its text): tuples of ints hash the same in every
    process, where str hashes are salted per process."""
    value = _TOKEN_IDS.get(text)
    if value is None:
        value = zlib.crc32(text.encode("utf-8", "surrogatepass"))
        if len(_TOKEN_IDS) < 100_000:  # template words are unbounded: keep the cache small
            _TOKEN_IDS[text] = value
    return value


def kgram_hashes(tokens: Sequence[Token]) -> list[int]:
    """Hash every run of KGRAM consecutive tokens, in order."""
    ids = [_token_id(text) for text, _ in tokens]
    return [hash(tuple(ids[i : i + KGRAM])) for i in range(len(ids) - KGRAM + 1)]


def winnow(hashes: Sequence[int]) -> list[int]:
    """Indexes of the hashes winnowing keeps: the rightmost minimum of every window, once."""
    size = min(WINDOW, len(hashes))
    chosen: list[int] = []
    for start in range(len(hashes) - size + 1) if hashes else ():
        window = hashes[start : start + size]
        low = min(window)
        pick = start + size - 1 - window[::-1].index(low)
        if not chosen or chosen[-1] != pick:
            chosen.append(pick)
    return chosen


@dataclass(frozen=True)
class Fingerprints:
    """A submission's fingerprints, each with the places (file and lines) it was taken from."""

    hashes: frozenset[int]
    places: Mapping[int, tuple[Place, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.hashes)


def fingerprint(files: Mapping[str, str], *, exclude: frozenset[int] = frozenset()) -> Fingerprints:
    """Fingerprint a submission's code files, leaving out the hashes in ``exclude``."""
    places: dict[int, list[Place]] = {}
    for path in sorted(files):
        tokens = file_tokens(path, files[path])
        hashes = kgram_hashes(tokens)
        for i in winnow(hashes):
            value = hashes[i]
            if value not in exclude:
                places.setdefault(value, []).append((path, tokens[i][1], tokens[i + KGRAM - 1][1]))
    return Fingerprints(frozenset(places), {h: tuple(p) for h, p in places.items()})


def boilerplate(files: Mapping[str, str], statement: str = "") -> frozenset[int]:
    """Every k-gram hash of the code candidates were given: starter files and the statement's
    fenced code snippets (read as Python, and as template words)."""
    hashes: set[int] = set()
    for path, text in files.items():
        hashes.update(kgram_hashes(file_tokens(path, text)))
    for match in _FENCE.finditer(statement):
        body = match.group("body")
        hashes.update(kgram_hashes(python_tokens(body)))
        hashes.update(kgram_hashes(template_tokens(body)))
    return frozenset(hashes)


def challenge_boilerplate(challenge: Challenge) -> frozenset[int]:
    """The boilerplate of a challenge folder: its starter's code files and its statement."""
    return folder_boilerplate(challenge.starter_dir, challenge.statement_path)


def folder_boilerplate(starter_dir: Path, statement_path: Path) -> frozenset[int]:
    """Boilerplate from a starter folder and a statement file (either may be missing)."""
    files: dict[str, str] = {}
    paths = sorted(starter_dir.rglob("*")) if starter_dir.is_dir() else []
    for path in paths[:STARTER_MAX_FILES]:
        rel = path.relative_to(starter_dir).as_posix()
        if path.is_file() and not path.is_symlink() and is_code_file(rel):
            files[rel] = _read_text(path)
    statement = _read_text(statement_path) if statement_path.is_file() else ""
    return boilerplate(files, statement)


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(STARTER_MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def result_code(result: Result) -> dict[str, str]:
    """The code files a result document kept (its code view's copy), by path."""
    return {f.path: f.text for f in result.files if not f.binary and is_code_file(f.path)}


# -- a cohort ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One candidate's submission to one challenge, as similarity compares it."""

    key: str  # unique in the cohort: a run id, a batch folder
    label: str  # the candidate, as pages name them
    sha256: str
    files: Mapping[str, str]


@dataclass(frozen=True)
class Pair:
    """Two submissions flagged as alike: identical bytes, or a share of fingerprints in common."""

    a: Entry
    b: Entry
    similarity: float  # 0..1: shared fingerprints over the smaller submission's
    shared: int
    a_share: float  # of a's fingerprints, the share b holds too
    b_share: float
    identical: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.similarity)

    @property
    def label(self) -> str:
        return "identical" if self.identical else f"{self.percent}% similar"

    def other(self, key: str) -> Entry:
        return self.b if self.a.key == key else self.a


@dataclass(frozen=True)
class Cohort:
    """The flagged pairs of one challenge's cohort, most alike first."""

    pairs: tuple[Pair, ...]
    threshold: float  # percent
    compared: int  # submissions with code to compare
    without_code: tuple[str, ...] = ()  # keys of submissions whose result kept no code
    # Each compared submission's fingerprints, for its side-by-side views.
    prints: Mapping[str, Fingerprints] = field(default_factory=dict, repr=False, compare=False)

    def side_by_side(self, pair: Pair, *, exclude: frozenset[int] = frozenset()) -> SideBySide:
        """The side-by-side view of one of the cohort's pairs."""
        fa, fb = self.prints.get(pair.a.key), self.prints.get(pair.b.key)
        prints = (fa, fb) if fa is not None and fb is not None else None
        return side_by_side(pair.a.files, pair.b.files, exclude=exclude, prints=prints)

    @cached_property
    def _by_key(self) -> dict[str, list[Pair]]:
        index: dict[str, list[Pair]] = {}
        for pair in self.pairs:
            index.setdefault(pair.a.key, []).append(pair)
            index.setdefault(pair.b.key, []).append(pair)
        return index

    def pairs_of(self, key: str) -> list[Pair]:
        """The flagged pairs a submission is in, most alike first."""
        return self._by_key.get(key, [])

    def flag(self, key: str, *, limit: int = FLAG_NAMES) -> str:
        """One line for tables and the CSV: "identical to Bob; 91% similar to Carol"."""
        pairs = self.pairs_of(key)
        words = [f"{p.label} to {p.other(key).label}" for p in pairs[:limit]]
        if len(pairs) > limit:
            words.append(f"and {len(pairs) - limit} more")
        return "; ".join(words)


def fingerprint_all(
    cohort: Sequence[Mapping[str, str]], *, exclude: frozenset[int], workers: int = 1
) -> list[Fingerprints]:
    """Fingerprint many submissions, in ``workers`` processes when the cohort is large.

    The processes are spawned, never forked: a web app's threads (and their locks) are not
    copied into them.
    """
    if workers <= 1 or len(cohort) < PARALLEL_FROM:
        return [fingerprint(files, exclude=exclude) for files in cohort]
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_set_exclude, initargs=(exclude,)
        ) as pool:
            chunk = max(1, len(cohort) // (workers * 4))
            files = [dict(f) for f in cohort]
            return list(pool.map(_fingerprint_excluding, files, chunksize=chunk))
    except (BrokenProcessPool, OSError):  # no processes to be had: slower, never wrong
        return [fingerprint(files, exclude=exclude) for files in cohort]


_EXCLUDE: frozenset[int] = frozenset()


def _set_exclude(exclude: frozenset[int]) -> None:
    global _EXCLUDE
    _EXCLUDE = exclude


def _fingerprint_excluding(files: dict[str, str]) -> Fingerprints:
    return fingerprint(files, exclude=_EXCLUDE)


def compare_cohort(
    entries: Iterable[Entry],
    *,
    exclude: frozenset[int] = frozenset(),
    threshold: float,
    workers: int = 1,
) -> Cohort:
    """Flag every pair at or above ``threshold`` percent, and every pair of identical bytes."""
    entries = list(entries)
    with_code = [e for e in entries if e.files]
    fingerprints = fingerprint_all([e.files for e in with_code], exclude=exclude, workers=workers)
    prints = [f.hashes for f in fingerprints]
    pairs: list[Pair] = []
    seen: set[tuple[str, str]] = set()
    by_sha: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.sha256:
            by_sha.setdefault(entry.sha256, []).append(entry)
    for group in by_sha.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                pairs.append(Pair(a, b, 1.0, 0, 1.0, 1.0, identical=True))
                seen.add((a.key, b.key))
    for i, a in enumerate(with_code):
        mine = prints[i]
        if len(mine) < MIN_FINGERPRINTS:
            continue
        for j in range(i + 1, len(with_code)):
            theirs = prints[j]
            if len(theirs) < MIN_FINGERPRINTS:
                continue
            shared = len(mine & theirs)
            similarity = shared / min(len(mine), len(theirs))
            b = with_code[j]
            if 100 * similarity >= threshold and (a.key, b.key) not in seen:
                pairs.append(
                    Pair(a, b, similarity, shared, shared / len(mine), shared / len(theirs))
                )
    pairs.sort(key=lambda p: (not p.identical, -p.similarity, p.a.label, p.b.label))
    without = tuple(e.key for e in entries if not e.files)
    kept = {e.key: f for e, f in zip(with_code, fingerprints, strict=True)}
    return Cohort(tuple(pairs), threshold, len(with_code), without, kept)


# -- the side-by-side view of a pair -----------------------------------------------------------


@dataclass(frozen=True)
class CodeLine:
    """One line of a file in the side-by-side view; ``region`` numbers the match it is in."""

    number: int
    text: str
    region: int = 0


@dataclass(frozen=True)
class CodeFile:
    """One code file of one side, with the count of its lines in a match."""

    path: str
    lines: tuple[CodeLine, ...]

    @property
    def matched(self) -> int:
        return sum(1 for line in self.lines if line.region)


@dataclass(frozen=True)
class Region:
    """One matching passage: where it is on each side."""

    number: int
    a_path: str
    a_first: int
    a_last: int
    b_path: str
    b_first: int
    b_last: int


@dataclass(frozen=True)
class SideBySide:
    """Both submissions' code files, the matching lines marked and numbered by region."""

    a: tuple[CodeFile, ...]
    b: tuple[CodeFile, ...]
    regions: tuple[Region, ...]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN_LINES = 2000


def side_by_side(
    a: Mapping[str, str],
    b: Mapping[str, str],
    *,
    exclude: frozenset[int] = frozenset(),
    prints: tuple[Fingerprints, Fingerprints] | None = None,
) -> SideBySide:
    """Lay two submissions side by side with their common fingerprints' lines marked.

    ``prints``: both submissions' fingerprints, when already made with the same ``exclude``.
    """
    if prints is None:
        prints = (fingerprint(a, exclude=exclude), fingerprint(b, exclude=exclude))
    fa, fb = prints
    spans: list[tuple[Place, Place]] = []
    for value in fa.hashes & fb.hashes:
        spans.extend((pa, pb) for pa in fa.places[value] for pb in fb.places[value])
    regions = _regions(sorted(spans))
    return SideBySide(
        a=_code_files(a, [(r.number, r.a_path, r.a_first, r.a_last) for r in regions]),
        b=_code_files(b, [(r.number, r.b_path, r.b_first, r.b_last) for r in regions]),
        regions=tuple(regions),
    )


def _touches(region: Region, a: Place, b: Place) -> bool:
    (ap, af, _), (bp, bf, _) = a, b
    return (
        (region.a_path, region.b_path) == (ap, bp)
        and region.a_first - 1 <= af <= region.a_last + 1
        and region.b_first - 1 <= bf <= region.b_last + 1
    )


def _regions(spans: list[tuple[Place, Place]]) -> list[Region]:
    """Merge matching spans that overlap or touch on both sides into regions; keep a region
    only if it covers a line no larger one does (repeated code matches many places)."""
    merged: list[Region] = []
    for a, b in spans:
        index = next((i for i in reversed(range(len(merged))) if _touches(merged[i], a, b)), None)
        if index is None:
            merged.append(Region(0, a[0], a[1], a[2], b[0], b[1], b[2]))
            continue
        last = merged[index]
        merged[index] = replace(
            last,
            a_last=max(last.a_last, a[2]),
            b_first=min(last.b_first, b[1]),
            b_last=max(last.b_last, b[2]),
        )
    covered: set[tuple[str, str, int]] = set()
    kept = []
    for region in sorted(merged, key=lambda r: r.b_first - r.b_last + r.a_first - r.a_last):
        lines = {("a", region.a_path, n) for n in range(region.a_first, region.a_last + 1)}
        lines |= {("b", region.b_path, n) for n in range(region.b_first, region.b_last + 1)}
        if lines - covered:
            kept.append(region)
            covered |= lines
    kept.sort(key=lambda r: (r.a_path, r.a_first, r.b_path, r.b_first))
    return [replace(region, number=n) for n, region in enumerate(kept, 1)]


def _code_files(
    files: Mapping[str, str], marks: list[tuple[int, str, int, int]]
) -> tuple[CodeFile, ...]:
    shown = []
    for path in sorted(p for p in files if is_code_file(p)):
        lines = files[path].split("\n")[:MAX_SHOWN_LINES]
        if lines and lines[-1] == "":
            lines.pop()
        region_of: dict[int, int] = {}
        for number, mark_path, first, last in marks:
            if mark_path == path:
                for line in range(first, last + 1):
                    region_of.setdefault(line, number)
        shown.append(
            CodeFile(
                path,
                tuple(
                    CodeLine(
                        n, _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text), region_of.get(n, 0)
                    )
                    for n, text in enumerate(lines, 1)
                ),
            )
        )
    return tuple(shown)
