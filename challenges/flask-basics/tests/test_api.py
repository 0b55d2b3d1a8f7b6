"""Hidden suite for flask-basics: the JSON API (bodies, status codes, errors)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.skill("json")


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.requirement("R1")
def test_health_is_json(client):
    """GET /health answers 200 with the JSON object {"status": "ok"}."""
    resp = client.get("/health")
    assert resp.status_code == 200, f"GET /health answered {resp.status}"
    assert resp.mimetype == "application/json", (
        f"GET /health must be application/json, got {resp.content_type!r}"
    )
    assert resp.get_json() == {"status": "ok"}, f"GET /health answered {resp.text[:100]!r}"


@pytest.mark.visible
@pytest.mark.weight(3)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R2")
def test_create_returns_201_with_location(client, status_page):
    """POST /api/incidents answers 201, the incident as JSON, and a Location header."""
    title = status_page.title()
    resp = client.post("/api/incidents", json={"title": title, "severity": "critical"})
    assert resp.status_code == 201, f"expected 201 Created, got {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, dict), "the body must be a JSON object"
    assert isinstance(body.get("id"), int), '"id" must be an integer'
    expected = {"id": body["id"], "title": title, "severity": "critical", "status": "open"}
    assert body == expected, f"the body must be exactly the incident, got {body!r}"
    location = resp.headers.get("Location")
    assert location, "a 201 response must say where the new resource is (Location header)"
    assert location.endswith(f"/api/incidents/{body['id']}"), f"Location was {location!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_severity_defaults_to_minor(status_page):
    """An incident created without a severity is "minor"."""
    created = status_page.create(severity=None)
    assert created.get("severity") == "minor", f"got {created!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R2")
def test_ids_are_unique(status_page):
    """Each incident gets an id of its own."""
    ids = [status_page.create()["id"] for _ in range(3)]
    assert len(set(ids)) == 3, f"three incidents got the ids {ids!r}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R4")
def test_each_severity_is_accepted(status_page):
    """ "minor", "major" and "critical" are each accepted and kept."""
    for severity in ("minor", "major", "critical"):
        created = status_page.create(severity=severity)
        assert created.get("severity") == severity, f"severity {severity!r}: got {created!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R3")
def test_titles_at_the_limits_are_accepted_as_sent(client, status_page):
    """Titles of 1 and exactly 100 characters (é included) are accepted and kept as sent."""
    tag = status_page.title("t")[-10:]
    titles = [
        "x",
        tag + "y" * 90,
        tag + "é" * 90,
        " " * 89 + tag + " ",
        f"  padded {tag}  ",
    ]
    for title in titles:
        resp = client.post("/api/incidents", json={"title": title})
        assert resp.status_code == 201, (
            f"a title of {len(title)} characters ({title[:20]!r}...) answered {resp.status}"
        )
        body = status_page.parse_json(resp) or {}
        assert body.get("title") == title, f"the title must be stored as sent, got {body!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R3", "R9")
def test_titles_over_100_characters_are_400(client, status_page, json_error):
    """Titles of 101 characters (é included) are a JSON 400 and are not created."""
    tag = status_page.title("t")[-10:]
    titles = [tag + "y" * 91, tag + "é" * 91, "z" * 500 + tag]
    for title in titles:
        resp = client.post("/api/incidents", json={"title": title})
        json_error(resp, 400, f"POST /api/incidents with a {len(title)}-character title")
    stored = [i.get("title") for i in status_page.incidents()]
    assert not [t for t in stored if tag in str(t)], "a refused title was created anyway"


@pytest.mark.weight(2)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R3", "R9")
def test_missing_blank_or_non_string_title_is_400(client, json_error):
    """A title that is missing, blank or not a string is rejected with a JSON 400."""
    json_error(client.post("/api/incidents", json={"severity": "minor"}), 400, "no title")
    for title in ("", "   ", "\t\n", 42, None, ["a"], {"text": "a"}):
        resp = client.post("/api/incidents", json={"title": title})
        json_error(resp, 400, f"POST /api/incidents with title {title!r}")


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R4", "R9")
def test_unknown_severity_is_400(client, status_page, json_error):
    """A severity other than minor, major or critical is a JSON 400 and is not created."""
    marker = status_page.title("severity")
    for severity in ("apocalyptic", "MAJOR", "", 3, ["major"]):
        resp = client.post("/api/incidents", json={"title": marker, "severity": severity})
        json_error(resp, 400, f"POST /api/incidents with severity {severity!r}")
    assert marker not in [i.get("title") for i in status_page.incidents()], (
        "an incident with an unknown severity was created anyway"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R5", "R9")
def test_form_encoded_body_is_json_400(client, status_page, json_error):
    """A body that is not JSON (a form post) is a JSON 400, not an HTML 415 or 500."""
    title = status_page.title("form")
    resp = client.post("/api/incidents", data={"title": title, "severity": "minor"})
    json_error(resp, 400, "POST /api/incidents with a form body")
    resp = client.post("/api/incidents", data=title, headers={"Content-Type": "text/plain"})
    json_error(resp, 400, "POST /api/incidents with a text/plain body")
    assert title not in [i.get("title") for i in status_page.incidents()], (
        "a form post created an incident"
    )


@pytest.mark.weight(1)
@pytest.mark.requirement("R5", "R9")
@pytest.mark.hint("A body that is not a JSON object gets a JSON 400, not a crash or HTML.")
def test_malformed_or_non_object_json_is_json_400(client, status_page, json_error):
    """Broken JSON, or JSON that is not an object, is a JSON 400 and creates nothing."""
    title = status_page.title("array")
    headers = {"Content-Type": "application/json"}
    resp = client.post("/api/incidents", data='{"title": ', headers=headers)
    json_error(resp, 400, "POST /api/incidents with broken JSON")
    for body in ([title], title, 42):
        json_error(client.post("/api/incidents", json=body), 400, f"a JSON body {body!r}")
    resp = client.post("/api/incidents", data="null", headers=headers)
    json_error(resp, 400, "POST /api/incidents with the JSON body null")
    assert title not in [i.get("title") for i in status_page.incidents()], (
        "a JSON body that is not an object created an incident"
    )


@pytest.mark.weight(2)
@pytest.mark.requirement("R6")
def test_list_is_a_json_array_with_the_incidents(client, status_page):
    """GET /api/incidents answers a JSON array with each incident as it was created."""
    created = [status_page.create(severity=s) for s in ("minor", "critical")]
    resp = client.get("/api/incidents")
    assert resp.status_code == 200, f"GET /api/incidents answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    body = resp.get_json()
    assert isinstance(body, list), "the list endpoint must answer a JSON array"
    for incident in created:
        assert incident in body, f"the list must contain {incident!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R7")
def test_created_incident_can_be_fetched(client, status_page):
    """GET /api/incidents/<id> answers 200 with the same JSON object the create returned."""
    created = status_page.create()
    resp = client.get(f"/api/incidents/{created['id']}")
    assert resp.status_code == 200, f"GET /api/incidents/{created['id']} answered {resp.status}"
    assert resp.mimetype == "application/json", f"got Content-Type {resp.content_type!r}"
    assert resp.get_json() == created, f"got {resp.text[:200]!r}, expected {created!r}"


@pytest.mark.weight(2)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R7", "R9")
def test_unknown_incident_is_json_404(client, json_error):
    """GET /api/incidents/<id> for an id that does not exist answers a JSON 404."""
    for incident_id in (987654321, 0):
        url = f"/api/incidents/{incident_id}"
        json_error(client.get(url), 404, f"GET {url}")


@pytest.mark.weight(3)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R8")
def test_delete_returns_204_then_the_incident_is_gone(client, status_page):
    """DELETE /api/incidents/<id> answers 204 with no body; the incident is then 404."""
    created, other = status_page.create(), status_page.create()
    url = f"/api/incidents/{created['id']}"
    resp = client.delete(url)
    assert resp.status_code == 204, f"expected 204 No Content, got {resp.status}"
    assert resp.data == b"", "a 204 response has no body"
    assert client.get(url).status_code == 404, f"GET {url} must be 404 after the DELETE"
    listed = status_page.incidents()
    assert created not in listed, "the deleted incident is still listed"
    assert other in listed, "deleting one incident must not remove another"


@pytest.mark.weight(1)
@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R8", "R9")
def test_delete_unknown_incident_is_json_404(client, status_page, json_error):
    """DELETE of an id that does not exist, or a second DELETE, answers a JSON 404."""
    json_error(client.delete("/api/incidents/987654322"), 404, "DELETE /api/incidents/987654322")
    created = status_page.create()
    url = f"/api/incidents/{created['id']}"
    assert client.delete(url).status_code == 204, f"step 1: DELETE {url} must answer 204"
    json_error(client.delete(url), 404, f"step 2: a second DELETE {url}")


@pytest.mark.weight(1)
@pytest.mark.skill("routing")
@pytest.mark.requirement("R10")
@pytest.mark.hint("Let the URL rule itself refuse ids that are not integers.")
def test_incident_id_must_be_an_integer(client, status_page):
    """/api/incidents/<id> and /incidents/<id> only match digits: other ids are 404, never 500."""
    created = status_page.create()
    for prefix in ("/api/incidents", "/incidents"):
        url = f"{prefix}/{created['id']}"
        assert client.get(url).status_code == 200, f"step 1: GET {url} must answer 200"
        for bad in ("abc", "1.5", "-3", "1e3", f"{created['id']}x"):
            resp = client.get(f"{prefix}/{bad}")
            assert resp.status_code == 404, f"GET {prefix}/{bad} answered {resp.status}"


@pytest.mark.weight(1)
@pytest.mark.skill("routing")
@pytest.mark.requirement("R11")
@pytest.mark.hint("A wrong method has its own status, and a header naming the methods allowed.")
def test_wrong_method_is_405_with_allow(client):
    """Routes answer 405 to methods they lack, with an Allow header listing their methods."""
    cases = [
        ("PUT", "/api/incidents", {"GET", "POST"}),
        ("PATCH", "/api/incidents/1", {"GET", "DELETE"}),
        ("POST", "/health", {"GET"}),
        ("POST", "/", {"GET"}),
        ("DELETE", "/status.txt", {"GET"}),
    ]
    for method, url, methods in cases:
        resp = client.open(url, method=method)
        assert resp.status_code == 405, f"{method} {url} answered {resp.status}, expected 405"
        allow = {m.strip().upper() for m in (resp.headers.get("Allow") or "").split(",")}
        expected = methods | {"HEAD", "OPTIONS"}
        assert allow - {""} == expected, (
            f"{method} {url}: Allow must list {sorted(expected)}, got {resp.headers.get('Allow')!r}"
        )
