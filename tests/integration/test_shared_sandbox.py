"""One candidate's challenges in one container (issue 16): each slot keeps to itself.

Two slots run side by side; one is hostile. The other's result must be exactly what it gets
alone in its own container, and neither may reach the other's app, files, hidden tests,
logs or processes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.pipeline import grade_path, grade_paths
from grader.results import Result

FIXTURES = Path(__file__).parents[1] / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"

pytestmark = pytest.mark.docker


def _outcomes(result: Result) -> dict[str, str]:
    return {t.id.rsplit("::", 1)[-1]: t.outcome for t in result.tests}


def _summary(result: Result) -> tuple[str, float, dict[str, str]]:
    return result.status, result.score, _outcomes(result)


@pytest.fixture(scope="module")
def alone(probe_challenge, docker_sandbox, settings):
    """Each submission's result graded alone, in its own container, as before issue 16."""

    @cache
    def grade(name: str) -> Result:
        return grade_path(
            challenge=probe_challenge,
            path=SUBMISSIONS / name,
            sandbox=docker_sandbox,
            settings=settings,
        )

    return grade


def test_side_by_side_slots_cannot_reach_each_other(docker_sandbox, settings):
    challenge = load_challenge(FIXTURES / "challenges" / "neighbour-probe")
    path = SUBMISSIONS / "reaches_neighbours"
    results = grade_paths(
        [(challenge, path), (challenge, path)],
        sandbox=docker_sandbox,
        settings=settings,
        concurrency=2,
    )
    for result in results:
        assert result.status == "graded", (result.reason, result.app_log[-2000:])
        failed = {t.id: t.message for t in result.tests if t.outcome != "passed"}
        assert not failed, failed
        assert result.sandbox["shared_with"] == 1
        assert result.sandbox["concurrency"] == 2


@pytest.mark.parametrize(
    "hostile",
    ["fork_bomb", "memory_bomb", "fills_disk", "exits_at_import", "spins_cpu_in_request"],
)
def test_a_hostile_slot_costs_only_its_own_result(
    hostile, alone, probe_challenge, docker_sandbox, settings
):
    together = grade_paths(
        [(probe_challenge, SUBMISSIONS / hostile), (probe_challenge, SUBMISSIONS / "passes_all")],
        sandbox=docker_sandbox,
        settings=settings,
        concurrency=2,
    )
    bombed, neighbour = together
    assert _summary(neighbour) == _summary(alone("passes_all")), neighbour.reason
    assert neighbour.score == 100
    assert _summary(bombed) == _summary(alone(hostile)), (bombed.reason, alone(hostile).reason)
