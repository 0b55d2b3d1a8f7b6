"""Fixtures shared by the grader's own tests: settings, challenges and a real Docker sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.challenges import Challenge, load_challenge
from grader.config import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Default settings, with reports written to a temporary folder."""
    return load_settings(environ={}, overrides={"reports_dir": tmp_path_factory.mktemp("reports")})


@pytest.fixture(scope="session")
def probe_challenge() -> Challenge:
    """The grader's own probe challenge: its suite asks a cooperating app what it could do."""
    return load_challenge(FIXTURES / "challenges" / "sandbox-probe")


@pytest.fixture(scope="session")
def docker_sandbox(settings: Settings):
    """A sandbox on the real engine; fails (never skips) when Docker is missing."""
    from grader.pipeline import open_sandbox

    return open_sandbox(settings)
