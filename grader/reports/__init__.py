"""HTML reports rendered from result documents only (Jinja2, autoescaped, self-contained)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.reports import charts, code, views
from grader.results import SCHEMA, Result
from grader.similarity import Cohort, Pair, SideBySide

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
    linked=code.linked,
    size=views.size,
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
        code=code.code_view(result),
        code_css=code.STYLE_DEFS,
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


def render_index(
    rows: Sequence[tuple[Result, str]],
    title: str,
    *,
    similarity: Mapping[str, Cohort] | None = None,
    pair_pages: Mapping[tuple[str, str], str] | None = None,
    flags: Mapping[str, str] | None = None,
    scores_csv: str = "",
) -> str:
    """Render an index of results; each row is a result and the relative link to its report.

    ``similarity`` maps a challenge to its flagged pairs, ``pair_pages`` a pair's keys to its
    side-by-side page, ``flags`` a row's link to its similarity flag; ``scores_csv`` links the
    cohort export.
    """
    scores = [r.score for r, _ in rows]
    titles = {r.challenge: r.challenge_title or r.challenge for r, _ in rows}
    return _render(
        "index.html",
        title=title,
        similarity=[(titles.get(slug, slug), c) for slug, c in (similarity or {}).items()],
        pair_pages=pair_pages or {},
        flags=flags or {},
        scores_csv=scores_csv,
        rows=views.index_rows(rows),
        summary=charts.summarize(scores),
        histogram=charts.histogram(scores),
        statuses=views.status_counts([r for r, _ in rows]),
        candidates=len({views.candidate_name(r) for r, _ in rows}),
        script_hash=_SORT_SCRIPT_HASH,
    )


def render_similarity_pair(
    pair: Pair,
    view: SideBySide,
    *,
    challenge_title: str,
    a_link: str,
    b_link: str,
    index_link: str,
) -> str:
    """Render two submissions side by side, their matching regions marked and numbered."""
    return _render(
        "similarity.html",
        pair=pair,
        view=view,
        challenge_title=challenge_title,
        a_link=a_link,
        b_link=b_link,
        index_link=index_link,
    )


def render_similarity_fragment(pair: Pair, view: SideBySide, *, a_link: str, b_link: str) -> str:
    """The summary and both sides of a flagged pair, as HTML to place in another page."""
    return _render("_similarity_fragment.html", pair=pair, view=view, a_link=a_link, b_link=b_link)


def write_report_files(result: Result, out_dir: Path) -> Path:
    """Write result.json, report.html and candidate.html into ``out_dir``; return the report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(result.to_json(), encoding="utf-8")
    (out_dir / "candidate.html").write_text(render_candidate(result), encoding="utf-8")
    report = out_dir / "report.html"
    report.write_text(render_report(result), encoding="utf-8")
    return report
