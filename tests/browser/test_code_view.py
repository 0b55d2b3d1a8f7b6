"""The report's code view in Chromium: highlighted files, and the app log's links to a line."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_code_view_page_loads_offline_without_errors(watched, report_pages):
    watched.open(report_pages["report-code"])
    watched.assert_clean()
    assert watched.requests == [report_pages["report-code"].as_uri()]


def test_files_are_highlighted_and_numbered(watched, report_pages):
    watched.open(report_pages["report-code"])
    page = watched.page
    routes = page.locator("[data-file='app/routes.py']")
    assert routes.locator("table.code tr").count() == 131
    assert routes.locator("td.ln").nth(129).inner_text() == "130"
    keyword = routes.locator("span.hl-k", has_text="def")
    assert keyword.count() == 1
    colour = keyword.evaluate("e => getComputedStyle(e).color")
    plain = routes.locator("td.src").first.evaluate("e => getComputedStyle(e).color")
    assert colour != plain  # the highlighter's colour reached the page
    template = page.locator("[data-file='app/templates/index.html']")
    assert "Jinja" in template.locator(".code-head").inner_text()
    assert template.locator("span[class^='hl-']").count() > 3
    binary = page.locator("[data-file='logo.png']")
    assert "binary file: not shown" in binary.inner_text()
    assert binary.locator("table.code").count() == 0
    # The hostile comment lines are text: no element of the page came from them.
    assert routes.locator("script, img").count() == 0
    assert page.locator("[data-file='app/routes.py'] td.src", has_text="<script>").count() == 3


def test_a_traceback_line_in_the_app_log_jumps_to_the_code(watched, report_pages):
    watched.open(report_pages["report-code"])
    page = watched.page
    link = page.locator("pre[data-log] a[data-code-link]")
    assert link.count() == 1
    assert link.inner_text() == 'File "app/routes.py", line 130'
    link.click()
    assert page.url.endswith("-L130")
    target = page.locator("tr:target")
    assert "def plan(pid, share):" in target.inner_text()
    assert target.is_visible()
    assert target.locator("td.src").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(255, 248, 197)"
    )
    watched.assert_clean()


def test_the_file_list_leads_to_each_file(watched, report_pages):
    watched.open(report_pages["report-code"])
    page = watched.page
    page.locator(".file-list a", has_text="app/templates/index.html").click()
    assert page.locator("[data-file='app/templates/index.html']").is_visible()
    assert page.locator(".jump a[href='#code']").inner_text() == "Code 3 files"
