"""Soak: several hundred gradings in parallel, good, broken and hostile; nothing lost or leaked.

The parallel run uses warm spares, as the web app's workers do; the sequential one starts cold.

Long, so kept out of `make test`: run it with `make soak` (SOAK_SUBMISSIONS sets the count).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from contextlib import closing
from pathlib import Path

import docker
import pytest

from grader.batch import BatchItem, run_batch
from grader.challenges import find_challenge
from grader.pipeline import grade_path, open_sandbox
from grader.sandbox.docker import labelled_containers

pytestmark = [pytest.mark.docker, pytest.mark.soak]

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
# Weighted towards what a real cohort sends: mostly working or broken projects, some hostile.
HOSTILE = ["fork_bomb", "memory_bomb", "forges_results", "hanging_route", "syntax_error",
           "exits_at_import", "floods_output_while_serving", "daemon_outlives_app"]  # fmt: skip


def _mix(settings, count: int) -> list[BatchItem]:
    routing = find_challenge("routing", settings.challenges_dir)
    probe = find_challenge(str(ROOT / "tests/fixtures/challenges/sandbox-probe"), ROOT)
    pool = [("solution", routing, routing.solution_dir), ("starter", routing, routing.starter_dir)]
    pool += [(s.name, routing, s.path) for s in routing.samples]
    pool += [(name, probe, FIXTURES / name) for name in HOSTILE]
    return [
        BatchItem(
            f"{pool[i % len(pool)][0]}-{i:04d}", pool[i % len(pool)][1], pool[i % len(pool)][2]
        )
        for i in range(count)
    ]


def _grader_temp_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("grader-intake-*")}


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_soak(docker_sandbox, settings, tmp_path):
    count = int(os.environ.get("SOAK_SUBMISSIONS", "300"))
    items = _mix(settings, count)
    distinct = {item.path: item for item in items}
    workers = os.cpu_count() or 2
    client = docker.from_env()
    temp_before = _grader_temp_dirs()
    volumes_before = len(client.volumes.list())

    sequential = run_batch(
        items=list(distinct.values()), sandbox=docker_sandbox, settings=settings,
        out_dir=tmp_path / "sequential", workers=1,
    )  # fmt: skip
    expected = {
        r.submission_sha256 or r.submission_name: (r.status, r.score) for r, _ in sequential.rows
    }

    rss = []
    started = time.monotonic()

    def sample(_: str) -> None:
        rss.append(_rss_mib())

    # In parallel with spares, as the web app's workers run: warm runs must match cold ones.
    with closing(open_sandbox(settings, spares=workers)) as warm_sandbox:
        outcome = run_batch(
            items=items, sandbox=warm_sandbox, settings=settings,
            out_dir=tmp_path / "parallel", workers=workers, on_done=sample,
        )  # fmt: skip
    elapsed = time.monotonic() - started
    warm = sum(bool(r.sandbox.get("warm")) for r, _ in outcome.rows)
    print(
        f"\nsoak: {count} gradings in {elapsed:.1f} s with {workers} workers: "
        f"{count / elapsed:.2f} per second, {warm} on a warm spare; "
        f"RSS {rss[len(rss) // 10]:.0f} -> {rss[-1]:.0f} MiB"
    )

    assert len(outcome.rows) == count, "a submission got no result"
    mismatches = [
        (
            r.candidate,
            r.status,
            r.score,
            r.reason,
            expected[r.submission_sha256 or r.submission_name],
        )
        for r, _ in outcome.rows
        if (r.status, r.score) != expected[r.submission_sha256 or r.submission_name]
    ]
    assert not mismatches, f"parallel results differ from sequential: {mismatches[:5]}"
    assert warm > 0, "no run used a spare"
    assert not labelled_containers(client), "containers leaked"
    assert len(client.volumes.list()) <= volumes_before, "volumes leaked"
    assert _grader_temp_dirs() <= temp_before, "temporary folders leaked"
    assert rss[-1] - rss[len(rss) // 10] < 50, "the grader's memory grew"


def _assessments(settings, candidates: int) -> list[BatchItem]:
    """Each candidate answers every bank challenge (its reference, starter or a sample, in
    turn) and the probe challenge with a hostile submission: one container of 13 slots each."""
    from grader.challenges import list_challenges

    bank = list_challenges(settings.challenges_dir)
    probe = find_challenge(str(ROOT / "tests/fixtures/challenges/sandbox-probe"), ROOT)
    items = []
    for number in range(candidates):
        for index, challenge in enumerate(bank):
            choices = [challenge.solution_dir, challenge.starter_dir]
            choices += [sample.path for sample in challenge.samples]
            path = choices[(number + index) % len(choices)]
            items.append(BatchItem(f"candidate-{number:03d}", challenge, path))
        items.append(BatchItem(f"candidate-{number:03d}", probe, FIXTURES / HOSTILE[number % 8]))
    return items


def _outcome(result) -> tuple:
    failed = sorted(t.id for t in result.tests if t.outcome != "passed")
    return result.status, result.score, failed


def test_soak_assessments_match_one_container_per_challenge(docker_sandbox, settings, tmp_path):
    """Issue 16: a candidate's challenges graded as slots of one container give each exactly
    the result it gets in a container of its own."""
    count = int(os.environ.get("SOAK_CANDIDATES", "24"))
    items = _assessments(settings, count)
    client = docker.from_env()
    temp_before = _grader_temp_dirs()
    alone = {}
    for item in {(i.challenge.slug, i.path): i for i in items}.values():
        result = grade_path(
            challenge=item.challenge, path=item.path, sandbox=docker_sandbox, settings=settings
        )
        alone[(item.challenge.slug, str(item.path))] = _outcome(result)
    started = time.monotonic()
    outcome = run_batch(
        items=items, sandbox=docker_sandbox, settings=settings,
        out_dir=tmp_path / "assessments", workers=os.cpu_count() or 2,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    print(
        f"\nsoak: {count} candidates x {len(items) // count} challenges as slots in "
        f"{elapsed:.1f} s ({len(items) / elapsed:.2f} gradings per second); "
        f"{len(alone)} distinct submissions graded alone first"
    )
    assert len(outcome.rows) == len(items), "a submission got no result"
    shared = [r for r, _ in outcome.rows if r.sandbox.get("shared_with")]
    assert len(shared) == len(items), "not every grading shared its candidate's container"
    mismatches = [
        (item.candidate, item.challenge.slug, item.path.name, _outcome(result), expected,
         result.reason[:300])
        for item, (result, _) in zip(items, outcome.rows, strict=True)
        if _outcome(result) != (expected := alone[(item.challenge.slug, str(item.path))])
    ]  # fmt: skip
    assert not mismatches, f"slots differ from containers of their own: {mismatches[:5]}"
    assert not labelled_containers(client), "containers leaked"
    assert _grader_temp_dirs() <= temp_before, "temporary folders leaked"
