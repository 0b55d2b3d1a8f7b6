"""HTML reports rendered from result documents only (Jinja2, autoescaped, self-contained)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.results import Result

_env = Environment(
    loader=PackageLoader("grader.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_report(result: Result) -> str:
    """Render the interviewer's view of one result as one self-contained HTML page."""
    return _env.get_template("report.html").render(r=result, doc=result.to_dict())


def render_index(rows: Sequence[tuple[Result, str]], title: str) -> str:
    """Render an index of results; each row is a result and the relative link to its report."""
    return _env.get_template("index.html").render(rows=rows, title=title)


def write_report_files(result: Result, out_dir: Path) -> Path:
    """Write result.json and report.html into ``out_dir``; return the report's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(result.to_json(), encoding="utf-8")
    report = out_dir / "report.html"
    report.write_text(render_report(result), encoding="utf-8")
    return report
