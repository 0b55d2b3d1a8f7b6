"""At a phone's width (390 px) no page scrolls sideways, and the candidate's feedback shows one
header, the site's: checked in Chromium, where layout happens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# Elements past the right edge, except inside a box that scrolls or clips its own content.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = e => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !inScroller(e))
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, bank: Path) -> Iterator[tuple[str, World]]:
    with fresh_data_dir(tmp_path_factory.mktemp("narrow")) as path:
        app = make_app(make_settings(path, bank))
        add_interviewer(app)
        world = build_world(app)
        with served_in_thread(app) as base:
            yield base, world


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def _fits(page, url: str) -> None:
    page.goto(url)
    measured = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["width"], f"{url} scrolls sideways: {measured}"
    assert measured["wide"] == [], f"{url}: cut off at the right edge: {measured['wide']}"


def test_candidate_pages_fit_a_phone(phone, served) -> None:
    base, world = served
    invite = f"{base}/invite/{world.token_a}"
    for path in ("", "/challenges/routing", f"/submissions/{world.submission_a}"):
        _fits(phone, invite + path)


def test_the_feedback_frame_has_no_second_header(phone, served) -> None:
    base, world = served
    phone.goto(f"{base}/invite/{world.token_a}/submissions/{world.submission_a}")
    frame = phone.frame_locator("iframe.report")
    frame.locator("h1").first.wait_for()
    assert frame.locator(".topbar").count() == 0
    assert phone.locator("header").count() == 1


def test_staff_pages_fit_a_phone(phone, served) -> None:
    base, world = served
    phone.goto(f"{base}/login")
    phone.fill("#email", INTERVIEWER_EMAIL)
    phone.fill("#password", INTERVIEWER_PASSWORD)
    phone.click("button:has-text('Sign in')")
    phone.wait_for_url(f"{base}/dashboard")
    for path in ("/dashboard", f"/assessments/{world.assessment}", f"/runs/{world.run_a}"):
        _fits(phone, base + path)
