"""What a batch adds up to beyond each result: similar submissions and ``scores.csv``.

Beside a batch's ``index.html``: ``scores.csv`` (grader.scores_csv), and for each challenge the
side-by-side pages of its most alike pairs under ``similarity/<challenge>/<n>.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.challenges import Challenge
from grader.errors import OutputError
from grader.reports import render_similarity_pair
from grader.reports.views import candidate_name
from grader.results import Result
from grader.scores_csv import ScoreRow, scores_csv
from grader.similarity import (
    Cohort,
    Entry,
    challenge_boilerplate,
    compare_cohort,
    result_code,
)

# Side-by-side pages written per challenge, most alike first; the index lists as many pairs.
MAX_PAIR_PAGES = 100
SIMILARITY_DIR = "similarity"
SCORES_CSV = "scores.csv"


@dataclass(frozen=True)
class CohortFiles:
    """Each challenge's flagged pairs, and the page of each pair that has one."""

    similarity: dict[str, Cohort]  # challenge slug -> its flagged pairs
    pair_pages: dict[tuple[str, str], str]  # (a key, b key) -> link relative to the batch

    def flag(self, result: Result, link: str) -> str:
        """The similarity flag of one row of the batch: "identical to Bob; 91% similar to Eve"."""
        cohort = self.similarity.get(result.challenge)
        return cohort.flag(entry_key(link)) if cohort else ""


def entry_key(link: str) -> str:
    """A batch row's key for similarity: its folder, ``alice/routing``."""
    return link.rsplit("/", 1)[0]


def batch_similarity(
    rows: Sequence[tuple[Result, str]],
    challenges: Sequence[Challenge],
    threshold: float,
    workers: int = 1,
) -> dict[str, Cohort]:
    """Compare each challenge's submissions of a batch (rows: result, link to its report)."""
    by_slug = {c.slug: c for c in challenges}
    cohorts = {}
    for slug, challenge in by_slug.items():
        entries = [
            Entry(entry_key(link), candidate_name(r), r.submission_sha256, result_code(r))
            for r, link in rows
            if r.challenge == slug and r.submission_sha256
        ]
        exclude = challenge_boilerplate(challenge)
        cohorts[slug] = compare_cohort(
            entries, exclude=exclude, threshold=threshold, workers=workers
        )
    return cohorts


def write_cohort_files(
    *,
    out_dir: Path,
    rows: Sequence[tuple[Result, str]],
    challenges: Sequence[Challenge],
    sources: Sequence[Path | None],
    threshold: float,
    workers: int = 1,
) -> CohortFiles:
    """Write the pair pages and scores.csv; ``sources[i]`` is what ``rows[i]`` graded."""
    similarity = batch_similarity(rows, challenges, threshold, workers)
    by_slug = {c.slug: c for c in challenges}
    pages: dict[tuple[str, str], str] = {}
    for slug, cohort in similarity.items():
        exclude = challenge_boilerplate(by_slug[slug])
        for number, pair in enumerate(cohort.pairs[:MAX_PAIR_PAGES], 1):
            link = f"{SIMILARITY_DIR}/{slug}/{number}.html"
            view = cohort.side_by_side(pair, exclude=exclude)
            html = render_similarity_pair(
                pair,
                view,
                challenge_title=by_slug[slug].title,
                a_link=f"../../{pair.a.key}/report.html",
                b_link=f"../../{pair.b.key}/report.html",
                index_link="../../index.html",
            )
            _write(out_dir / link, html)
            pages[pair.a.key, pair.b.key] = link
    files = CohortFiles(similarity, pages)
    score_rows = [
        _score_row(result, files.flag(result, link), source)
        for (result, link), source in zip(rows, sources, strict=True)
    ]
    _write(out_dir / SCORES_CSV, scores_csv(score_rows))
    return files


def _score_row(result: Result, flag: str, source: Path | None) -> ScoreRow:
    return ScoreRow(
        candidate=candidate_name(result),
        challenge=result.challenge,
        status=result.status if source is not None else "not submitted",
        automatic_score=result.score if source is not None else None,
        submitted_at=_modified_at(source),
        graded_at=result.graded_at,
        similarity=flag,
    )


def _modified_at(path: Path | None) -> str:
    """When a batch's submission was last modified (the nearest a folder has to "submitted")."""
    if path is None:
        return ""
    try:
        moment = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return ""
    return moment.isoformat(timespec="seconds")


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # newline="": the CSV's own CRLF line ends are written as they are.
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"could not write {path}: {exc.strerror or exc}") from exc
