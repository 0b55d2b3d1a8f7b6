"""The interviewer's desk in Chromium: a flagged pair side by side, an adjustment with its audit
line, a rubric, and the scores.csv link. The app runs on waitress (no Docker: results are
written directly). Screenshots land in tests/artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from grader.scores_csv import BOM

from .conftest import (
    INTERVIEWER_EMAIL,
    INTERVIEWER_PASSWORD,
    World,
    add_interviewer,
    build_world,
    fresh_data_dir,
    make_app,
    make_settings,
    served_in_thread,
)
from .test_review import SOLUTION, _with_code

pytestmark = [pytest.mark.browser]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, bank: Path) -> Iterator[tuple[str, World]]:
    """The app on a free port, two candidates whose routing submissions are alike."""
    with fresh_data_dir(tmp_path_factory.mktemp("desk")) as path:
        app: Flask = make_app(make_settings(path, bank))
        add_interviewer(app)
        world = build_world(app)
        renamed = SOLUTION.replace("items", "store").replace("item_id", "key")
        _with_code(app, world.run_a, "Alice Candidate", SOLUTION, "1" * 64)
        _with_code(app, world.run_b, "Bob Candidate", renamed, "2" * 64)
        with served_in_thread(app) as base:
            yield base, world


@pytest.fixture
def page(browser, desk):
    base, _ = desk
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/login")
    page.fill("#email", INTERVIEWER_EMAIL)
    page.fill("#password", INTERVIEWER_PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("Dashboard")
    yield page
    context.close()
    assert errors == [], errors  # no script error, no style or script the CSP refused


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_flagged_pair_opens_side_by_side(page, desk) -> None:
    base, world = desk
    page.goto(f"{base}/assessments/{world.assessment}")
    pairs = page.locator("[data-similar-pairs]")
    expect(pairs).to_contain_text("Alice Candidate and Bob Candidate")
    expect(page.locator("[data-flag]").first).to_contain_text("similar to")
    pairs.locator("a:has-text('side by side')").click()
    expect(page.locator("h1")).to_contain_text("Alice Candidate and Bob Candidate")
    sides = page.locator("[data-side-by-side] [data-side]")
    expect(sides).to_have_count(2)
    expect(sides.nth(0)).to_contain_text("Alice Candidate")
    expect(sides.nth(1)).to_contain_text("Bob Candidate")
    left, right = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
    assert left and right and left["x"] + left["width"] <= right["x"]  # side by side
    marked = page.locator("[data-side='a'] tr.match td.src").first
    expect(marked).to_be_visible()
    colour = marked.evaluate("td => getComputedStyle(td).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # matching lines stand out
    page.locator("[data-regions] a").first.click()
    assert page.url.endswith("#a-1")
    _shot(page, "similar-side-by-side")


def test_an_adjustment_shows_both_scores_and_its_audit_line(page, desk) -> None:
    base, world = desk
    page.goto(f"{base}/candidates/{world.invite_a}")
    review = page.locator("[data-review='routing']")
    review.locator("summary:has-text('Adjust the score')").click()
    review.locator("input[name='score']").fill("62.5")
    review.locator("textarea[name='reason']").fill("Fixture flakiness; the code is right")
    review.locator("button:has-text('Save adjustment')").click()
    review = page.locator("[data-review='routing']")
    expect(review.locator("[data-adjusted]").first).to_contain_text("62.5")
    expect(review.locator("[data-automatic]")).to_contain_text("50")
    line = page.locator("[data-audit-line]").first
    expect(line).to_contain_text(INTERVIEWER_EMAIL)
    expect(line).to_contain_text("adjusted score")
    expect(line).to_contain_text("none → 62.5")
    expect(line).to_contain_text("Fixture flakiness")
    _shot(page, "review-adjustment")


def test_a_rubric_is_filled_and_totalled(page, desk) -> None:
    base, world = desk
    page.goto(f"{base}/candidates/{world.invite_b}")
    review = page.locator("[data-review='routing']")
    review.get_by_label("code clarity (0–10)").fill("8")
    review.get_by_label("structure (0–10)").fill("6.5")
    review.locator("button:has-text('Save rubric')").click()
    review = page.locator("[data-review='routing']")
    expect(review.locator("[data-rubric-total]")).to_have_text("14.5 / 20")
    expect(page.locator("[data-audit-line]")).to_have_count(2)
    expect(page.locator("[data-audit-line]").first).to_contain_text("rubric: structure")
    _shot(page, "review-rubric")


def test_the_scores_csv_link_downloads_the_cohort(page, desk) -> None:
    base, world = desk
    page.goto(f"{base}/assessments/{world.assessment}")
    with page.expect_download() as info:
        page.locator("[data-scores-csv]").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith(BOM + "candidate,email,challenge")
    assert "Alice Candidate" in text and "Bob Candidate" in text
    assert "similar to" in text
