"""Batch grading: find every candidate's submissions in a folder, grade them all, index them.

One challenge: each entry of the folder is one candidate's submission (``alice.zip``,
``bob/``...). Several challenges: each sub-folder is a candidate holding one entry per challenge
slug (``alice/routing.zip``, ``alice/sessions/``...). A submission that is missing, refused or
breaks the sandbox still gets a result row: one failure never stops the batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.challenges import Challenge
from grader.cohort import SCORES_CSV, write_cohort_files
from grader.config import Settings
from grader.errors import GraderError, InputRejected, OutputError
from grader.grading import unrun_result
from grader.intake import SUBMISSION_SUFFIXES
from grader.pipeline import grade_paths, parallel_map, write_outputs
from grader.reports import render_assessment, render_index
from grader.results import Result
from grader.sandbox import Sandbox

SKIPPED_NAMES = {"__MACOSX", ".DS_Store"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BatchItem:
    """One candidate's submission (or its absence) for one challenge."""

    candidate: str
    challenge: Challenge
    path: Path | None


@dataclass(frozen=True)
class BatchOutcome:
    """Every result with its report's path relative to the batch folder, and the index."""

    rows: list[tuple[Result, str]]
    index: Path


def _stem(name: str) -> str:
    for suffix in SUBMISSION_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _folder_name(candidate: str, taken: set[str]) -> str:
    """A safe, unique folder name for an untrusted candidate name."""
    base = _UNSAFE.sub("_", candidate).strip("._")[:80] or "candidate"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name.lower())
    return name


def _entries(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise InputRejected(f"cannot list {folder}: {exc.strerror or exc}") from exc
    return [e for e in entries if not e.name.startswith(".") and e.name not in SKIPPED_NAMES]


def discover(challenges: Sequence[Challenge], submissions_dir: Path) -> list[BatchItem]:
    """List what to grade; raise InputRejected when the folder holds nothing to grade."""
    if not submissions_dir.is_dir():
        raise InputRejected(f"{submissions_dir} is not a folder of submissions")
    entries = _entries(submissions_dir)
    if len(challenges) == 1:
        items = [BatchItem(_stem(e.name), challenges[0], e) for e in entries]
    else:
        items = []
        for candidate_dir in (e for e in entries if e.is_dir()):
            by_stem = {_stem(e.name): e for e in _entries(candidate_dir)}
            items += [BatchItem(candidate_dir.name, c, by_stem.get(c.slug)) for c in challenges]
    if not items:
        layout = "one entry per candidate" if len(challenges) == 1 else "one folder per candidate"
        raise InputRejected(f"no submissions in {submissions_dir} (expected {layout})")
    return items


def run_batch(
    *,
    items: Sequence[BatchItem],
    sandbox: Sandbox | None,
    settings: Settings,
    out_dir: Path,
    workers: int,
    on_done: Callable[[str], None] = lambda _: None,
    title: str = "",
    grade_item: Callable[[BatchItem], Result] | None = None,
) -> BatchOutcome:
    """Grade every item in parallel, write each one's files, the index and assessments.

    A local batch grades each candidate's challenges together in one sandbox (see
    ``grade_paths``); ``grade_item`` grades one present submission elsewhere (on Celery
    workers: see grader.workers.batch) instead; any error becomes the item's result.
    """
    taken: set[str] = set()
    folders = {
        name: _folder_name(name, taken) for name in dict.fromkeys(i.candidate for i in items)
    }

    def finish(item: BatchItem, result: Result) -> tuple[Result, str]:
        result = replace(result, candidate=item.candidate)
        relative = f"{folders[item.candidate]}/{item.challenge.slug}"
        line = f"{item.candidate} / {item.challenge.slug}: {result.status} {result.score:g}"
        try:
            write_outputs(result, out_dir / relative)
        except OutputError as exc:
            line += f" (NOT SAVED: {exc})"  # the batch goes on; the index still lists it
        on_done(line)
        return result, f"{relative}/report.html"

    if grade_item is not None:
        remote = grade_item
        rows = parallel_map(lambda item: finish(item, _grade_safely(item, remote)), items, workers)
    else:
        assert sandbox is not None, "a local batch grades in a sandbox"
        rows = _grade_by_candidate(items, sandbox, settings, workers, finish)
    if len({i.challenge.slug for i in items}) > 1:
        for candidate, folder in folders.items():
            mine = [(r, link.split("/", 1)[1]) for r, link in rows if r.candidate == candidate]
            _write_page(out_dir / folder / "assessment.html", render_assessment(candidate, mine))
    cohort = write_cohort_files(
        out_dir=out_dir,
        rows=rows,
        challenges=list({i.challenge.slug: i.challenge for i in items}.values()),
        sources=[i.path for i in items],
        threshold=settings.similarity_threshold,
        workers=workers,
    )
    index = out_dir / "index.html"
    page = render_index(
        rows,
        title or f"Batch of {len(folders)} candidates",
        similarity=cohort.similarity,
        pair_pages=cohort.pair_pages,
        flags={link: cohort.flag(r, link) for r, link in rows},
        scores_csv=SCORES_CSV,
    )
    _write_page(index, page)
    return BatchOutcome(rows, index)


def _grade_by_candidate(
    items: Sequence[BatchItem],
    sandbox: Sandbox,
    settings: Settings,
    workers: int,
    finish: Callable[[BatchItem, Result], tuple[Result, str]],
) -> list[tuple[Result, str]]:
    """Grade each candidate's items in one sandbox, ``workers`` sandboxes at a time; rows in
    the items' order.

    The cores go to sandboxes first: several candidates run side by side, one slot each; when
    there are fewer candidates than workers, each runs its challenges side by side in its one
    sandbox, one slot more than its share of the cores: a slot's suite and app wait on each
    other's HTTP round trips, so a slot does not keep a core busy (the bank's twelve
    references as one candidate on 2 cores: 8.5 s with 3 slots at once, 9.6 s with 2).
    """
    groups: dict[str, list[BatchItem]] = {}
    for item in items:
        groups.setdefault(item.candidate, []).append(item)
    concurrency = workers // len(groups) + 1 if len(groups) < workers else 1

    def grade_group(group: list[BatchItem]) -> list[tuple[int, tuple[Result, str]]]:
        present = [(item, item.path) for item in group if item.path is not None]
        try:
            graded = grade_paths(
                [(item.challenge, path) for item, path in present],
                sandbox=sandbox,
                settings=settings,
                concurrency=concurrency,
            )
        except Exception as exc:  # one candidate's failure is that candidate's results only
            graded = [_failed(item, path, exc) for item, path in present]
        results = {id(item): result for (item, _), result in zip(present, graded, strict=True)}
        return [(id(item), finish(item, results.get(id(item)) or _missing(item))) for item in group]

    rows = dict(
        row for group in parallel_map(grade_group, list(groups.values()), workers) for row in group
    )
    return [rows[id(item)] for item in items]


def _write_page(path: Path, html: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"could not write {path}: {exc.strerror or exc}") from exc


def _grade_safely(item: BatchItem, grade_item: Callable[[BatchItem], Result]) -> Result:
    """Grade one item; whatever goes wrong becomes this item's result, never the batch's end."""
    if item.path is None:
        return _missing(item)
    try:
        return grade_item(item)
    except Exception as exc:
        return _failed(item, item.path, exc)


def _missing(item: BatchItem) -> Result:
    return unrun_result(
        item.challenge, item.candidate, f"no submission for {item.challenge.slug} was found"
    )


def _failed(item: BatchItem, path: Path, exc: Exception) -> Result:
    """The result of an item whose grading raised: a grader bug must not cost the other
    candidates their results."""
    if isinstance(exc, GraderError):
        return unrun_result(item.challenge, path.name, str(exc), status="sandbox_error")
    reason = f"internal error while grading: {type(exc).__name__}: {exc}"
    return unrun_result(item.challenge, path.name, reason, status="sandbox_error")
