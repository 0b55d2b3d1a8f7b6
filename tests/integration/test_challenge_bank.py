"""Every challenge in the bank proves itself in the real sandbox (`grader challenges validate`)."""

from __future__ import annotations

import os

import pytest

from grader.challenges import list_challenges
from grader.config import load_settings
from grader.validation import validate_challenge

pytestmark = pytest.mark.docker

BANK = list_challenges(load_settings(environ={}).challenges_dir)


def test_the_bank_is_not_empty():
    assert BANK, "no challenges found under challenges/"


@pytest.mark.parametrize("challenge", BANK, ids=[c.slug for c in BANK])
def test_challenge_validates(challenge, docker_sandbox, settings):
    report = validate_challenge(
        challenge, sandbox=docker_sandbox, settings=settings, workers=os.cpu_count() or 1
    )
    failures = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    assert report.ok, "\n".join(failures)
