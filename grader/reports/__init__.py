"""HTML reports rendered from result documents only (Jinja2, autoescaped, self-contained)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.reports import charts, views
from grader.results import SCHEMA, Result

_env = Environment(
    loader=PackageLoader("grader.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(
    num=views.number,
    duration=views.duration,
    when=views.when,
    status_label=views.status_label,
    anchor=views.anchor,
    inline_markdown=views.inline_markdown,
)
_env.globals.update(schema=SCHEMA, tone=charts.tone)


def _script_hash(name: str) -> str:
    """Hash a template-owned script for the pages' Content-Security-Policy."""
    text = _env.get_template(name).render()
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# Only this script may run; anything injected into a page would be blocked by the policy.
_SORT_SCRIPT_HASH = _script_hash("_sort.js.html")


def _render(name: str, **context: object) -> str:
    return _env.get_template(name).render(views=views, charts=charts, **context)


def render_report(result: Result) -> str:
    """Render the interviewer's view of one result as one self-contained HTML page."""
    return _render(
        "report.html",
        r=result,
        tests=views.ordered_tests(result.tests),
        counts=views.outcome_counts(result.tests),
        weighted=views.weighted_percent(result.skills),
        weakest=views.weakest_skill(result.skills),
        chart=views.skill_chart(result.skills) if result.skills else None,
        gauge=charts.gauge(result.score),
        requirements=views.requirement_rows(result),
        scoring_note=views.scoring_note(result),
    )


def render_candidate(result: Result, *, embedded: bool = False) -> str:
    """Render the candidate's view: visible tests in full, hidden tests only as counts per skill.

    The template receives a CandidateView, never the Result: hidden tests' names, messages,
    exchanges and the app log cannot reach the page. ``embedded`` leaves out the page's own
    header, for a frame in a page that has one.
    """
    view = views.candidate_view(result)
    return _render("candidate.html", v=view, gauge=charts.gauge(view.score), embedded=embedded)


def render_assessment(candidate: str, results: Sequence[tuple[Result, str]]) -> str:
    """Render one candidate across challenges; each row is a result and its report's link."""
    only = [r for r, _ in results]
    overall = views.mean_score(only)
    return _render(
        "assessment.html",
        candidate=candidate,
        rows=list(results),
        overall=overall,
        gauge=charts.gauge(overall),
        chart=views.assessment_chart(only),
    )


def render_index(rows: Sequence[tuple[Result, str]], title: str) -> str:
    """Render an index of results; each row is a result and the relative link to its report."""
    scores = [r.score for r, _ in rows]
    return _render(
        "index.html",
        title=title,
        rows=views.index_rows(rows),
        summary=charts.summarize(scores),
        histogram=charts.histogram(scores),
        statuses=views.status_counts([r for r, _ in rows]),
        candidates=len({views.candidate_name(r) for r, _ in rows}),
        script_hash=_SORT_SCRIPT_HASH,
    )


def write_report_files(result: Result, out_dir: Path) -> Path:
    """Write result.json, report.html and candidate.html into ``out_dir``; return the report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(result.to_json(), encoding="utf-8")
    (out_dir / "candidate.html").write_text(render_candidate(result), encoding="utf-8")
    report = out_dir / "report.html"
    report.write_text(render_report(result), encoding="utf-8")
    return report
