"""Manual review: adjusted scores with reasons, rubrics, decisions and notes, each in the audit
trail; which submission counts; scores.csv; similar submissions. Candidates see none of it."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.results import SubmittedFile
from grader.scores_csv import BOM
from grader.web.db import Challenge, Invite, Run, db

from .conftest import AuthActions, World, _graded_submission, fake_result, post

SOLUTION = (
    "from flask import Flask, jsonify\n\n\ndef create_app():\n    app = Flask(__name__)\n"
    "    items = {}\n\n    @app.get('/items/<int:item_id>')\n    def get_item(item_id):\n"
    "        if item_id not in items:\n            return jsonify(error='no such item'), 404\n"
    "        return jsonify(items[item_id])\n\n    @app.post('/items')\n    def add_item():\n"
    "        number = len(items) + 1\n        items[number] = {'id': number, 'done': False}\n"
    "        return jsonify(items[number]), 201\n\n    return app\n"
)


def _candidate_page(client: FlaskClient, world: World) -> str:
    return client.get(f"/candidates/{world.invite_a}").get_data(as_text=True)


def _audit_lines(page: str) -> list[str]:
    rows = re.findall(r"<tr data-audit-line>(.*?)</tr>", page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_an_adjusted_score_keeps_the_automatic_one_and_leaves_an_audit_line(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    response = post(
        client,
        f"/candidates/{world.invite_a}/challenges/routing/adjust",
        {"score": "62.5", "reason": "Clean code; the one failing test is a flaky fixture"},
    )
    assert response.status_code == 302
    page = _candidate_page(client, world)
    review = page[page.index('data-review="routing"') :]
    assert "<strong>62.5</strong>" in review and "flaky fixture" in review
    assert "<strong>50</strong>" in review  # the automatic score, still shown
    [line] = _audit_lines(page)
    assert "interviewer@example.com" in line and "routing" in line
    assert "adjusted score none → 62.5 Clean code" in line

    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "adjusted to <strong>62.5</strong>" in dashboard


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"score": "70", "reason": "  "}, "Say why the score is adjusted"),
        ({"score": "170", "reason": "x"}, "from 0 to 100"),
        ({"score": "nan", "reason": "x"}, "from 0 to 100"),
        ({"score": "lots", "reason": "x"}, "must be a number"),
    ],
)
def test_an_adjustment_needs_a_reason_and_a_score_in_range(
    client: FlaskClient, auth: AuthActions, world: World, form: dict, message: str
) -> None:
    auth.login_interviewer()
    response = post(client, f"/candidates/{world.invite_a}/challenges/routing/adjust", form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _audit_lines(_candidate_page(client, world)) == []


def test_the_rubric_from_the_manifest_is_filled_item_by_item(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    page = _candidate_page(client, world)
    assert "code clarity (0–10)" in page and "structure (0–10)" in page
    path = f"/candidates/{world.invite_a}/challenges/routing/rubric"
    assert post(client, path, {"item-0": "8", "item-1": ""}).status_code == 302
    assert post(client, path, {"item-0": "8", "item-1": "11"}).status_code == 400
    assert post(client, path, {"item-0": "7", "item-1": "9.5"}).status_code == 302
    page = _candidate_page(client, world)
    assert re.search(r"data-rubric-total>16.5 / 20<", page)
    lines = _audit_lines(page)
    assert [line.split(" routing ")[1] for line in lines] == [
        "rubric: structure none → 9.5",
        "rubric: code clarity 8 → 7",
        "rubric: code clarity none → 8",
    ]


def test_a_decision_and_notes_are_recorded_with_the_audit_trail(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    path = f"/candidates/{world.invite_a}"
    post(client, f"{path}/decision", {"decision": "advance", "reason": "strong routing"})
    post(client, f"{path}/notes", {"notes": "Asked good questions about converters."})
    assert post(client, f"{path}/decision", {"decision": "hire-now"}).status_code == 400
    page = _candidate_page(client, world)
    assert "data-current-decision" in page and "Asked good questions" in page
    lines = _audit_lines(page)
    assert "notes none → Asked good questions about converters." in lines[0]
    assert "decision none → advance strong routing" in lines[1]
    document = json.loads(client.get(f"{path}/review.json").data)
    assert document["decision"] == "advance"
    assert [e["what"] for e in document["audit"]] == ["notes", "decision"]
    assessment = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "badge-advance" in assessment


def test_candidates_see_only_a_comment_staff_published(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login_interviewer()
    base = f"/candidates/{world.invite_a}"
    # A score no random token on the page can spell by chance ("99" did, now and then).
    post(client, f"{base}/challenges/routing/adjust", {"score": "97.25", "reason": "SECRET-REASON"})
    post(client, f"{base}/notes", {"notes": "SECRET-NOTES"})
    post(client, f"{base}/challenges/routing/comment", {"comment": "Nice converters!"})
    candidate = app.test_client()
    response = candidate.get(f"/invite/{world.token_a}/challenges/routing")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for secret in ("SECRET-REASON", "SECRET-NOTES", "Nice converters!", "97.25"):
        assert secret not in page
    post(
        client,
        f"{base}/challenges/routing/comment",
        {"comment": "Nice converters!", "publish": "1"},
    )
    page = candidate.get(f"/invite/{world.token_a}/challenges/routing").get_data(as_text=True)
    assert "Nice converters!" in page and "data-staff-comment" in page
    assert "SECRET-REASON" not in page and "SECRET-NOTES" not in page
    other = candidate.get(f"/invite/{world.token_b}/challenges/routing").get_data(as_text=True)
    assert "Nice converters!" not in other
    lines = _audit_lines(_candidate_page(client, world))
    assert any("comment shown to the candidate not published → published" in line for line in lines)


def _second_submission(app: Flask, world: World, score: float) -> str:
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_a))
        routing = db.session.scalar(db.select(Challenge).filter_by(slug="routing"))
        _, run_id = _graded_submission(app, invite, routing, score)
        db.session.commit()
        return run_id


def test_an_assessment_counts_the_latest_or_the_best_submission(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    later = _second_submission(app, world, 20.0)
    auth.login_interviewer()
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "latest submission" in page and "latest of 2 submissions" in page
    assert f"/runs/{later}" in page and f"/runs/{world.run_a}" not in page
    # Interviewers read the choice; only admins make it.
    form = {"counted": "best"}
    assert post(client, f"/assessments/{world.assessment}/counting", form).status_code == 403

    admin = app.test_client()
    AuthActions(admin).login()
    assert post(admin, f"/assessments/{world.assessment}/counting", form).status_code == 302
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "best submission" in page and "best of 2 submissions" in page
    assert f"/runs/{world.run_a}" in page and f"/runs/{later}" not in page
    compare = client.get(
        f"/compare?candidate={world.invite_a}&candidate={world.invite_b}"
    ).get_data(as_text=True)
    assert "best submission" in compare
    assert (
        post(admin, f"/assessments/{world.assessment}/counting", {"counted": "x"}).status_code
        == 400
    )


def test_averages_count_only_submitted_challenges_rounded_as_people_write_them(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    with app.app_context():
        run = db.session.scalar(db.select(Run).filter_by(public_id=world.run_a))
        run.score = 18.2533
        db.session.commit()
    auth.login_interviewer()
    compare = client.get(
        f"/compare?candidate={world.invite_a}&candidate={world.invite_b}"
    ).get_data(as_text=True)
    averages = re.findall(r"<td data-average><strong>(.*?)</strong><div[^>]*>(.*?)</div>", compare)
    assert averages == [("18.3", "over 1 of 2 challenges"), ("80", "over 1 of 2 challenges")]
    assert ">18.25<" in compare and ">18.2533<" not in compare


def test_scores_csv_downloads_with_the_review_and_no_formula(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    with app.app_context():
        invite = db.session.scalar(db.select(Invite).filter_by(public_id=world.invite_b))
        invite.candidate_name = '=HYPERLINK("http://x")'
        db.session.commit()
    auth.login_interviewer()
    post(
        client,
        f"/candidates/{world.invite_a}/challenges/routing/adjust",
        {"score": "55", "reason": 'said "fine", then\nleft'},
    )
    post(client, f"/candidates/{world.invite_a}/challenges/routing/rubric", {"item-0": "6"})
    response = client.get(f"/assessments/{world.assessment}/scores.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [(r["candidate"], r["challenge"], r["status"]) for r in rows] == [
        ("Alice Candidate", "routing", "graded"),
        ("Alice Candidate", "flask-basics", "not submitted"),
        ('\'=HYPERLINK("http://x")', "routing", "graded"),
        ('\'=HYPERLINK("http://x")', "flask-basics", "not submitted"),
    ]
    alice = rows[0]
    assert (alice["automatic_score"], alice["adjusted_score"]) == ("50", "55")
    assert alice["adjustment_reason"] == 'said "fine", then\nleft'
    assert (alice["rubric_points"], alice["rubric_max"]) == ("6", "20")
    assert alice["submitted_at"].endswith("+00:00")
    assert "identical to" in alice["similarity"]  # both uploaded the same bytes
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert f'href="/assessments/{world.assessment}/scores.csv"' in page


def _with_code(app: Flask, run_id: str, candidate: str, code: str, sha: str) -> None:
    """Give a run a result document that keeps its submitted files, as graded runs now do."""
    result = fake_result(candidate, 50.0)
    from dataclasses import replace

    result = replace(
        result,
        submission_sha256=sha,
        files=(SubmittedFile("app.py", len(code), code),),
    )
    with app.app_context():
        run = db.session.scalar(db.select(Run).filter_by(public_id=run_id))
        run.result_json = result.to_json()
        db.session.commit()


def test_similar_submissions_are_flagged_with_a_side_by_side_view(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    renamed = SOLUTION.replace("items", "store").replace("number", "n").replace("item_id", "key")
    _with_code(app, world.run_a, "Alice Candidate", SOLUTION, "1" * 64)
    _with_code(app, world.run_b, "Bob Candidate", renamed + "\n# <script>x</script>\n", "2" * 64)
    auth.login_interviewer()
    page = client.get(f"/assessments/{world.assessment}").get_data(as_text=True)
    assert "data-similar-pairs" in page
    match = re.search(r'href="(/assessments/[^"]+/similar/routing\?[^"]+)"', page)
    assert match and "100% similar" in page
    side = client.get(match.group(1).replace("&amp;", "&"))
    assert side.status_code == 200
    html = side.get_data(as_text=True)
    assert "data-side-by-side" in html and 'class="match"' in html
    assert "&lt;script&gt;x" in html and "<script>x" not in html
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "100% similar to Bob Candidate" in dashboard
    compare = client.get(
        f"/compare?candidate={world.invite_a}&candidate={world.invite_b}"
    ).get_data(as_text=True)
    assert "100% similar to Alice Candidate" in compare
    unflagged = client.get(
        f"/assessments/{world.assessment}/similar/routing?a={world.run_a}&b=nope"
    )
    assert unflagged.status_code == 404
