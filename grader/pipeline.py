"""Intake then grading for a path on disk: the one sequence the CLI, validation and demo share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from grader.challenges import Challenge
from grader.config import Settings
from grader.errors import OutputError, SubmissionRejected
from grader.exports import write_exports
from grader.grading import grade_many, unrun_result
from grader.intake import Submission, load_submission
from grader.reports import write_report_files
from grader.results import Result
from grader.sandbox import Sandbox, SuiteOptions
from grader.sandbox.supervisor import SLOTS_MAX
from grader.tempdirs import INTAKE_PREFIX, owned_tempdir

T = TypeVar("T")
R = TypeVar("R")


def open_sandbox(settings: Settings, *, bare: bool = False, spares: int = 0) -> Sandbox:
    """Return the Docker sandbox (building its image if needed), or the bare one for authors.

    ``spares`` keeps that many sandboxes started ahead of jobs (see ``sandbox.spares``): worth
    it where gradings arrive one by one, as on the web app, which then answers faster; a busy
    batch gains nothing (the work only moves) and loses what unused spares cost. The caller
    closes the sandbox when done.
    """
    if bare:
        from grader.sandbox.bare import BareSandbox

        return BareSandbox(spares=spares)
    from grader.sandbox.docker import DockerSandbox, connect, reap_orphans
    from grader.sandbox.image import build_image

    client = connect()
    reap_orphans(client)
    image = build_image(client, settings, progress=lambda _: None)
    return DockerSandbox(client, image, spares=spares)


def grade_path(
    *,
    challenge: Challenge,
    path: Path,
    sandbox: Sandbox | Callable[[], Sandbox],
    settings: Settings,
    strict: bool = False,
    suite: SuiteOptions | None = None,
) -> Result:
    """Take a submission from ``path`` and grade it; a refused one becomes a ``rejected`` result.

    With ``strict`` a refused submission raises SubmissionRejected instead (the CLI's exit 2).
    ``sandbox`` may be a function that opens one, called only once the submission is taken in:
    a wrong path is the user's error to hear about, whether or not Docker is up.
    ``suite`` is validation's (see ``grading.grade``).
    """
    items = [(challenge, path)]
    return grade_paths(
        items, sandbox=sandbox, settings=settings, concurrency=1, strict=strict, suite=suite
    )[0]


def grade_paths(
    items: Sequence[tuple[Challenge, Path]],
    *,
    sandbox: Sandbox | Callable[[], Sandbox],
    settings: Settings,
    concurrency: int,
    strict: bool = False,
    suite: SuiteOptions | None = None,
) -> list[Result]:
    """Grade one candidate's submissions (one per challenge) together in one sandbox.

    Each is taken in first (see ``grade_path`` for ``strict``, ``sandbox`` and ``suite``); a
    refused one becomes its own ``rejected`` result and the rest are graded, ``concurrency``
    at a time (see ``grading.grade_many``).
    """
    results: list[Result | None] = [None] * len(items)
    with owned_tempdir(INTAKE_PREFIX) as tmp:
        taken: list[tuple[int, Challenge, Submission]] = []
        for index, (challenge, path) in enumerate(items):
            try:
                submission = load_submission(path, Path(tmp) / str(index) / "submission")
            except SubmissionRejected as exc:
                if strict:
                    raise
                results[index] = unrun_result(challenge, path.name, str(exc))
            else:
                taken.append((index, challenge, submission))
        if taken:  # else no sandbox is needed, nor opened
            opened = sandbox() if callable(sandbox) else sandbox
            for chunk in _chunks(taken, SLOTS_MAX):
                graded = grade_many(
                    [(challenge, submission) for _, challenge, submission in chunk],
                    sandbox=opened,
                    settings=settings,
                    concurrency=concurrency,
                    suite=suite,
                )
                for (index, _, _), result in zip(chunk, graded, strict=True):
                    results[index] = result
    return [result for result in results if result is not None]


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_outputs(result: Result, out_dir: Path) -> Path:
    """Write every file of a result into ``out_dir``; return the interviewer report's path.

    result.json, report.html, candidate.html, junit.xml and gradescope.json: other tools
    rely on these names.
    """
    try:
        report = write_report_files(result, out_dir)
        write_exports(result, out_dir)
    except OSError as exc:
        raise OutputError(
            f"could not save the result in {out_dir}: {exc.strerror or exc}; "
            "the submission is unchanged, grade it again once there is room"
        ) from exc
    return report


def parallel_map(func: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """Map in a thread pool (gradings wait on containers, not on the CPU), keeping order."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [func(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        return list(pool.map(func, items))
    finally:
        # On Ctrl-C, drop what has not started; running gradings finish and clean up.
        pool.shutdown(wait=True, cancel_futures=True)
