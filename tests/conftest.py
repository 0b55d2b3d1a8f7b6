"""Fixtures shared by the grader's own tests: settings, challenges and a real Docker sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, once per session (Playwright's sync API allows
    one instance per process); fails, never skips, when Chromium is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
