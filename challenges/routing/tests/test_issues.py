"""Routing suite: issues, labels and the planning calculator (int, string and float rules)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.skill("routing")


@pytest.mark.weight(2)
@pytest.mark.requirement("R5", "R6")
def test_issues_are_numbered_within_their_project(client, trackly, path_of):
    """POST /projects/<id>/issues/ answers 201 with Location; numbers and keys are per project."""
    first, other = trackly.new_project(), trackly.new_project()
    trackly.new_issue(other)
    base = f"/projects/{first['id']}/issues/"
    created = []
    for n in (1, 2):
        resp = client.post(base, json={"title": f"Issue {n}", "estimate": 1.5, "labels": ["ui"]})
        assert resp.status_code == 201, f"POST {base} (issue {n}) answered {resp.status}"
        issue = resp.get_json() or {}
        expected = {
            "number": n,
            "key": f"{first['key']}-{n}",
            "title": f"Issue {n}",
            "estimate": 1.5,
            "labels": ["ui"],
        }
        got = {name: issue.get(name) for name in expected}
        assert got == expected, f"POST {base} (issue {n}) answered {issue!r}"
        assert path_of(resp.location) == f"{base}{n}", (
            f"Location must be {base}{n}, got {resp.location!r}"
        )
        created.append(issue)

    resp = client.get(base)
    assert resp.status_code == 200, f"GET {base} answered {resp.status}"
    assert (resp.get_json() or {}).get("issues") == created, (
        f"GET {base} must list the issues as created, by number, got {resp.text[:300]!r}"
    )
    fetched = client.get(f"{base}2")
    assert fetched.status_code == 200 and fetched.get_json() == created[1], (
        f"GET {base}2 must answer the issue as in its 201, got {fetched.status}"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R5")
def test_issue_defaults_and_trimmed_title(client, trackly):
    """An issue without estimate or labels gets 0 and []; its title loses its outer spaces."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}/issues/"
    resp = client.post(url, json={"title": "  Bare issue  "})
    assert resp.status_code == 201, f"POST {url} with only a title answered {resp.status}"
    issue = resp.get_json() or {}
    got = {name: issue.get(name) for name in ("title", "estimate", "labels")}
    assert got == {"title": "Bare issue", "estimate": 0, "labels": []}, f"got {issue!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R5")
def test_issue_estimate_of_zero_is_accepted(client, trackly):
    """An estimate of exactly 0 (and any positive number) is accepted."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}/issues/"
    for estimate in (0, 0.0, 0.25, 40):
        resp = client.post(url, json={"title": "Estimated", "estimate": estimate})
        assert resp.status_code == 201, (
            f"POST {url} with estimate {estimate} answered {resp.status}"
        )
        assert (resp.get_json() or {}).get("estimate") == estimate, (
            f"the issue must keep its estimate {estimate}, got {resp.text[:200]!r}"
        )


@pytest.mark.weight(2)
@pytest.mark.requirement("R5", "R18")
def test_invalid_issues_are_400_and_not_created(client, trackly, json_error):
    """Blank titles, negative or non-number estimates, bad labels are 400s; nothing is added."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}/issues/"
    bad = [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": 7},
        {"title": "ok", "estimate": -0.5},
        {"title": "ok", "estimate": True},
        {"title": "ok", "estimate": "2"},
        {"title": "ok", "labels": "ui"},
        {"title": "ok", "labels": [""]},
        {"title": "ok", "labels": ["a/b"]},
        {"title": "ok", "labels": ["ui", 3]},
    ]
    for payload in bad:
        json_error(client.post(url, json=payload), 400, f"POST {url} with {payload!r}")
    listed = client.get(url).get_json() or {}
    assert listed.get("issues") == [], f"a 400 must create nothing, got {listed!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R5", "R18")
def test_issues_of_unknown_project_are_404(client, json_error):
    """GET and POST /projects/<id>/issues/ are 404 for a project that does not exist."""
    url = "/projects/987654321/issues/"
    json_error(client.get(url), 404, f"GET {url}")
    json_error(client.post(url, json={"title": "Orphan"}), 404, f"POST {url}")


@pytest.mark.weight(2)
@pytest.mark.requirement("R6", "R18")
def test_issue_numbers_from_1_to_the_last_exist(client, trackly, json_error):
    """GET .../issues/1 and the last number answer 200; 0 and last + 1 are 404."""
    project = trackly.new_project()
    issues = [trackly.new_issue(project) for _ in range(3)]
    base = f"/projects/{project['id']}/issues"
    for number in (1, 3):
        resp = client.get(f"{base}/{number}")
        assert resp.status_code == 200, f"GET {base}/{number} answered {resp.status}"
        assert resp.get_json() == issues[number - 1], f"GET {base}/{number} answered another issue"
    for number in (0, 4):
        json_error(client.get(f"{base}/{number}"), 404, f"GET {base}/{number}")
    json_error(client.get("/projects/987654321/issues/1"), 404, "an unknown project's issue")


@pytest.mark.weight(2)
@pytest.mark.skill("converters")
@pytest.mark.requirement("R7")
def test_label_is_a_single_path_segment(client, trackly):
    """/projects/<id>/labels/<label> lists that label's issues; 'a/b' is 404, unknown is []."""
    project = trackly.new_project()
    trackly.new_issue(project, labels=["ui"])
    trackly.new_issue(project, labels=["api"])
    trackly.new_issue(project, labels=["api", "ui"])
    base = f"/projects/{project['id']}/labels"

    resp = client.get(f"{base}/ui")
    assert resp.status_code == 200, f"GET {base}/ui answered {resp.status}"
    body = resp.get_json()
    assert isinstance(body, dict) and body.get("label") == "ui", f"got {body!r}"
    assert [i.get("number") for i in body.get("issues", [])] == [1, 3], f"got {body!r}"
    empty = client.get(f"{base}/none")
    assert empty.status_code == 200 and (empty.get_json() or {}) == {
        "label": "none",
        "issues": [],
    }, f"an unknown label lists no issues, got {empty.status} {empty.text[:80]!r}"
    resp = client.get(f"{base}/ui/extra")
    assert resp.status_code == 404, f"GET {base}/ui/extra answered {resp.status}, not 404"
    resp = client.get("/projects/987654321/labels/ui")
    assert resp.status_code == 404, f"labels of an unknown project answered {resp.status}"


@pytest.mark.weight(2)
@pytest.mark.skill("converters")
@pytest.mark.requirement("R8")
def test_plan_takes_a_float_and_rounds_days_up(client, trackly):
    """/projects/<id>/plan/<float:hours_per_day> sums estimates and rounds the days up."""
    project = trackly.new_project()
    for estimate in (1.5, 2.5, 4.0):
        trackly.new_issue(project, estimate=estimate)
    base = f"/projects/{project['id']}/plan"
    for pace, days in (("3.0", 3), ("4.0", 2), ("2.5", 4), ("0.5", 16), ("8.0", 1)):
        resp = client.get(f"{base}/{pace}")
        assert resp.status_code == 200, f"GET {base}/{pace} answered {resp.status}"
        body = resp.get_json() or {}
        got = {name: body.get(name) for name in ("total_hours", "hours_per_day", "days")}
        want = {"total_hours": 8.0, "hours_per_day": float(pace), "days": days}
        assert got == want, f"GET {base}/{pace}: 8.0 hours at {pace} a day is {want}, got {body!r}"


@pytest.mark.weight(1)
@pytest.mark.skill("converters")
@pytest.mark.requirement("R8")
def test_plan_of_a_project_without_issues_is_zero_days(client, trackly):
    """A project without issues plans 0 hours in 0 days."""
    project = trackly.new_project()
    url = f"/projects/{project['id']}/plan/6.0"
    resp = client.get(url)
    assert resp.status_code == 200, f"GET {url} answered {resp.status}"
    assert resp.get_json() == {"total_hours": 0, "hours_per_day": 6.0, "days": 0}, (
        f"GET {url} answered {resp.text[:200]!r}"
    )


@pytest.mark.weight(2)
@pytest.mark.skill("converters")
@pytest.mark.requirement("R8", "R18")
@pytest.mark.hint("Zero and negative numbers reach your view too: a 400, never a crash.")
def test_plan_refuses_what_is_not_a_positive_float(client, trackly, json_error):
    """plan/0.0 is a 400 (not a 500 from dividing by zero); '3', '-1.0', 'three' are 404."""
    project = trackly.new_project()
    trackly.new_issue(project, estimate=2.0)
    base = f"/projects/{project['id']}/plan"
    json_error(client.get(f"{base}/0.0"), 400, f"GET {base}/0.0")
    for bad in ("3", "-1.0", "three", "3.0.1"):
        json_error(client.get(f"{base}/{bad}"), 404, f"GET {base}/{bad}")
    json_error(client.get("/projects/987654321/plan/3.0"), 404, "the plan of an unknown project")
