"""An assessment as interviewers read it: per candidate and challenge the submission that
counts (latest or best), its review and similarity flags; averages over what was submitted.

Read-only: the dashboard, the assessment page, the comparison and ``scores.csv`` all build
their tables here, so that they count the same submission and the same average.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from threading import Lock

from grader.errors import InputRejected
from grader.reports.views import number
from grader.results import Result
from grader.similarity import Cohort, Entry, Pair, compare_cohort, folder_boilerplate, result_code
from grader.web.db import (
    BEST,
    DONE,
    LATEST,
    Assessment,
    CandidateReview,
    Challenge,
    ChallengeReview,
    Invite,
    Run,
    db,
)
from grader.web.jobs import state
from grader.web.storage import run_result

COUNTED_LABELS = {LATEST: "latest submission", BEST: "best submission"}
_COHORT_CACHE_SIZE = 64


def counted_run(invite: Invite, challenge: Challenge, counted: str) -> tuple[Run | None, int]:
    """The grading that counts for ``challenge`` and how many submissions there were.

    Each submission counts by its newest grading (a re-grade replaces the one before); LATEST
    takes the newest submission, BEST the highest finished score (the newer one on a tie),
    or the newest submission while none has finished.
    """
    runs = [
        s.latest_run
        for s in invite.submissions
        if s.challenge_id == challenge.id and s.latest_run is not None
    ]
    if not runs:
        return None, 0
    if counted == BEST:
        finished = [r for r in runs if r.state == DONE and r.score is not None]
        if finished:
            return max(finished, key=lambda r: (r.score or 0.0, r.id)), len(runs)
    return runs[-1], len(runs)


def rubric_points(review: ChallengeReview | None) -> dict[str, float]:
    """The points given per rubric item (empty when none were)."""
    if review is None:
        return {}
    try:
        points = json.loads(review.rubric_json or "{}")
    except ValueError:
        return {}
    return {str(k): float(v) for k, v in points.items() if isinstance(v, int | float)}


@dataclass(frozen=True)
class Cell:
    """One candidate's counted submission to one challenge, with its review and flags."""

    run: Run | None
    submissions: int
    counted: str
    review: ChallengeReview | None = None
    pairs: tuple[tuple[Pair, str], ...] = ()  # flagged pairs, each with the other's run id

    @property
    def automatic(self) -> float | None:
        return self.run.score if self.run is not None and self.run.state == DONE else None

    @property
    def adjusted(self) -> float | None:
        return self.review.adjusted_score if self.review is not None else None

    @property
    def given(self) -> dict[str, float]:
        """The rubric points given, per item name."""
        return rubric_points(self.review)

    @property
    def effective(self) -> float | None:
        """The score that counts: staff's adjustment where there is one, else the automatic."""
        return self.adjusted if self.adjusted is not None else self.automatic

    @property
    def choice_note(self) -> str:
        """Which submission is shown, when there was a choice: "best of 3"."""
        if self.submissions <= 1:
            return ""
        return f"{self.counted} of {self.submissions} submissions"

    @property
    def flag(self) -> str:
        labels = [f"{pair.label} to {pair.other(self.key).label}" for pair, _ in self.pairs]
        return "; ".join(labels)

    @property
    def key(self) -> str:
        return self.run.public_id if self.run is not None else ""


@dataclass(frozen=True)
class Average:
    """A candidate's mean over the challenges they have a score for, as a person writes it."""

    value: float | None
    scored: int
    total: int

    @property
    def text(self) -> str:
        return "—" if self.value is None else f"{round(self.value, 1):g}"

    @property
    def note(self) -> str:
        if self.value is None:
            return "nothing scored yet"
        return f"over {self.scored} of {self.total} challenges"


@dataclass(frozen=True)
class CohortTable:
    """Every candidate of an assessment against every challenge."""

    assessment: Assessment
    invites: list[Invite]
    challenges: list[Challenge]
    cells: dict[tuple[int, int], Cell]
    similarity: dict[int, Cohort] = field(default_factory=dict)  # challenge id -> its pairs
    candidate_reviews: dict[int, CandidateReview] = field(default_factory=dict)

    @property
    def counted_label(self) -> str:
        return COUNTED_LABELS.get(self.assessment.counted_submission, LATEST)

    def cell(self, invite: Invite, challenge: Challenge) -> Cell:
        return self.cells[invite.id, challenge.id]

    def average(self, invite: Invite) -> Average:
        """Mean of the effective scores of the challenges scored; unsubmitted ones left out."""
        scores = [s for c in self.challenges if (s := self.cell(invite, c).effective) is not None]
        mean = sum(scores) / len(scores) if scores else None
        return Average(mean, len(scores), len(self.challenges))

    def decision(self, invite: Invite) -> str:
        review = self.candidate_reviews.get(invite.id)
        return review.decision if review is not None else ""

    @property
    def flagged_pairs(self) -> list[tuple[Challenge, Pair]]:
        by_id = {c.id: c for c in self.challenges}
        return [(by_id[cid], p) for cid, cohort in self.similarity.items() for p in cohort.pairs]


def cohort_table(
    assessment: Assessment,
    invites: Sequence[Invite] | None = None,
    *,
    with_similarity: bool = True,
) -> CohortTable:
    """Build the table of ``assessment`` (of some of its invites only, if given)."""
    invites = list(assessment.invites if invites is None else invites)
    challenges = assessment.challenges
    counted = assessment.counted_submission or LATEST
    reviews = _challenge_reviews([i.id for i in invites])
    cells: dict[tuple[int, int], Cell] = {}
    for invite in invites:
        for challenge in challenges:
            run, submissions = counted_run(invite, challenge, counted)
            review = reviews.get((invite.id, challenge.id))
            cells[invite.id, challenge.id] = Cell(run, submissions, counted, review)
    similarity: dict[int, Cohort] = {}
    if with_similarity:
        # Similarity always looks at the whole cohort, even when the table shows a few of it.
        everyone = list(assessment.invites)
        for challenge in challenges:
            runs = [counted_run(i, challenge, counted)[0] for i in everyone]
            cohort = challenge_cohort(challenge, [r for r in runs if r is not None])
            similarity[challenge.id] = cohort
            for invite in invites:
                cell = cells[invite.id, challenge.id]
                if cell.run is not None and cohort.pairs_of(cell.run.public_id):
                    pairs = tuple(
                        (p, p.other(cell.run.public_id).key)
                        for p in cohort.pairs_of(cell.run.public_id)
                    )
                    cells[invite.id, challenge.id] = Cell(
                        cell.run, cell.submissions, counted, cell.review, pairs
                    )
    candidate_reviews = {
        r.invite_id: r
        for r in db.session.scalars(
            db.select(CandidateReview).where(CandidateReview.invite_id.in_([i.id for i in invites]))
        )
    }
    return CohortTable(assessment, invites, challenges, cells, similarity, candidate_reviews)


def _challenge_reviews(invite_ids: list[int]) -> dict[tuple[int, int], ChallengeReview]:
    rows = db.session.scalars(
        db.select(ChallengeReview).where(ChallengeReview.invite_id.in_(invite_ids))
    )
    return {(r.invite_id, r.challenge_id): r for r in rows}


# -- similarity of one challenge's counted runs, cached while the runs stay the same ----------

_cohorts: OrderedDict[tuple[object, ...], Cohort] = OrderedDict()
_cohorts_lock = Lock()


def challenge_cohort(challenge: Challenge, runs: Sequence[Run]) -> Cohort:
    """Compare the counted runs of one challenge (one per candidate); cached by run ids."""
    web = state()
    threshold = web.settings.similarity_threshold
    version = challenge.published or (challenge.versions[-1] if challenge.versions else None)
    root = str(web.settings.data_dir / version.root) if version is not None else ""
    finished = [r for r in runs if r.state == DONE and r.has_result]
    key = (challenge.id, root, threshold, tuple(r.public_id for r in finished))
    with _cohorts_lock:
        if key in _cohorts:
            _cohorts.move_to_end(key)
            return _cohorts[key]
    entries = []
    for run in finished:
        result = _result(run)
        files = result_code(result) if result is not None else {}
        sha = result.submission_sha256 if result is not None else run.submission.sha256
        entries.append(Entry(run.public_id, run.submission.invite.candidate_name, sha, files))
    cohort = compare_cohort(entries, exclude=_boilerplate(root), threshold=threshold)
    with _cohorts_lock:
        _cohorts[key] = cohort
        while len(_cohorts) > _COHORT_CACHE_SIZE:
            _cohorts.popitem(last=False)
    return cohort


def challenge_boilerplate(challenge: Challenge) -> frozenset[int]:
    """The starter's and statement's fingerprints of a challenge's published version."""
    version = challenge.published or (challenge.versions[-1] if challenge.versions else None)
    if version is None:
        return frozenset()
    return _boilerplate(str(state().settings.data_dir / version.root))


@lru_cache(maxsize=32)
def _boilerplate(root: str) -> frozenset[int]:
    if not root:
        return frozenset()
    return folder_boilerplate(Path(root) / "starter", Path(root) / "README.md")


def _result(run: Run) -> Result | None:
    try:
        return run_result(state().settings.data_dir, run.result_json, run.result_dir)
    except InputRejected:
        return None


def score_text(value: float | None) -> str:
    """A score as tables write it: 18.25, 50; a dash for none."""
    return "—" if value is None else number(value)
