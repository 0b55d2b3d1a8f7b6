"""Report pages in a real browser: they load offline and cleanly, charts draw, the index sorts."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWS = ["report", "report-app-failed", "candidate", "assessment", "index"]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("view", [*VIEWS, "hostile-report", "hostile-candidate", "hostile-index"])
def test_pages_load_offline_without_errors(watched, report_pages, view):
    watched.open(report_pages[view])
    watched.assert_clean()
    assert watched.requests == [report_pages[view].as_uri()]


def test_report_shows_score_status_and_charts(watched, report_pages):
    watched.open(report_pages["report"])
    page = watched.page
    assert page.locator("[data-score]").inner_text() == "Score 75 / 100"
    assert page.locator(".hero [data-status='graded']").is_visible()
    assert page.locator("svg[data-chart='gauge']").is_visible()
    bars = page.locator("svg[data-chart='bars']")
    assert bars.is_visible()
    assert bars.locator("text.label").all_text_contents() == [
        "converters",
        "methods",
        "redirects",
        "routing",
        "url-building",
    ]
    failing = page.locator("article[data-outcome='failed']")
    assert failing.count() == 2
    assert failing.first.locator("[data-exchange]").is_visible()
    assert page.locator("tr[data-outcome='passed']").count() == 6


def test_app_failed_report_leads_with_the_explanation(watched, report_pages):
    watched.open(report_pages["report-app-failed"])
    box = watched.page.locator("[data-callout='app_failed']")
    assert box.is_visible()
    assert "The app did not start" in box.inner_text()
    assert "SyntaxError: invalid syntax" in watched.page.locator("pre[data-log]").inner_text()


def test_candidate_page_shows_visible_tests_only(watched, report_pages):
    watched.open(report_pages["candidate"])
    page = watched.page
    assert page.locator("article[data-test-id]").count() == 3
    assert page.locator("pre[data-log]").count() == 0
    assert "test_plan_rejects_zero" not in page.content()
    assert page.locator("svg[data-chart='bars']").is_visible()


def test_assessment_shows_the_mean_and_skills_by_challenge(watched, report_pages):
    watched.open(report_pages["assessment"])
    page = watched.page
    assert page.locator("[data-overall]").inner_text() == "75"
    headings = page.locator("svg[data-chart='bars'] text.heading").all_text_contents()
    assert headings == ["URL routing", "Sessions"]
    assert page.locator("a", has_text="report").count() == 2


def _column(page, index: int) -> list[str]:
    return page.locator(f"#results-table tbody td:nth-child({index})").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-value'))"
    )


def test_index_sorts_when_a_header_is_clicked(watched, report_pages):
    watched.open(report_pages["index"])
    page = watched.page
    assert page.locator("svg[data-chart='histogram']").is_visible()
    assert page.locator("[data-count]").first.inner_text() == "9"

    score = page.locator("#results-table th", has_text="Score").locator("button")
    score.click()
    scores = [float(v) for v in _column(page, 5)]
    assert scores == sorted(scores, reverse=True)
    assert page.locator("#results-table th[aria-sort='descending']").text_content() == "Score"
    score.click()
    assert [float(v) for v in _column(page, 5)] == sorted(scores)

    page.locator("#results-table th", has_text="Candidate").locator("button").click()
    names = _column(page, 1)
    assert names == sorted(names, key=str.lower) and names[0] == "Alice Martin"
    watched.assert_clean()


def test_index_without_javascript_keeps_a_sensible_order(watched_without_js, report_pages):
    watched_without_js.open(report_pages["index"])
    page = watched_without_js.page
    names = _column(page, 1)
    assert names == sorted(names, key=str.lower)
    assert page.locator("#results-table th button").count() == 0


def test_hostile_strings_show_as_text_and_never_run(watched, report_pages):
    watched.open(report_pages["hostile-report"])
    page = watched.page
    assert "<script>alert(1)</script>" in page.locator(".subtitle").inner_text()
    assert "{{7*7}}" in page.locator("pre[data-log]").inner_text()
    assert page.locator("img").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    watched.assert_clean()


def test_print_view_shows_everything_without_screen_chrome(watched, report_pages):
    watched.page.emulate_media(media="print")
    watched.open(report_pages["report"])
    page = watched.page
    log = page.locator("pre[data-log]")
    assert log.evaluate("e => getComputedStyle(e).maxHeight") == "none"
    background = page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 255, 255)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-print.png"), full_page=True)


@pytest.mark.parametrize("view", VIEWS)
def test_screenshot_of_each_view(watched, report_pages, view):
    watched.open(report_pages[view])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{view}.png"
    data = watched.page.screenshot(path=str(path), full_page=True, animations="disabled")
    width, height = _png_size(data)
    assert width == 1280
    assert height >= 900
    assert len(data) > 30_000, "the page rendered almost nothing"
    assert path.read_bytes() == data
    overflow = watched.page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, "something is wider than the viewport"
