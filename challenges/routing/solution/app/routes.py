"""The Trackly API: projects, issues, labels, files, the planning calculator and redirects."""

from __future__ import annotations

import math
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.security import safe_join

from .converters import IssueKey
from .store import Conflict, InvalidData, Issue, Project, Store

bp = Blueprint("api", __name__)


def _store() -> Store:
    return current_app.extensions["trackly"]


def _project_or_404(project_id: int) -> Project:
    project = _store().get_project(project_id)
    if project is None:
        abort(404, f"no project {project_id}")
    return project


def _json_object() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, "the body must be a JSON object")
    return payload


def _project_json(project: Project) -> dict:
    return {
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "links": {
            "self": url_for("api.get_project", project_id=project.id),
            "issues": url_for("api.list_issues", project_id=project.id),
            "files": url_for("api.list_files", project_id=project.id),
        },
    }


def _issue_json(project: Project, issue: Issue) -> dict:
    key = IssueKey(project.key, issue.number)
    return {
        "number": issue.number,
        "key": str(key),
        "title": issue.title,
        "estimate": issue.estimate,
        "labels": issue.labels,
        "links": {
            "self": url_for("api.get_issue", project_id=project.id, number=issue.number),
            "project": url_for("api.get_project", project_id=project.id),
            "browse": url_for("api.browse", key=key),
        },
    }


def _file_json(project: Project, name: str, size: int) -> dict:
    return {
        "name": name,
        "size": size,
        "url": url_for("api.get_file", project_id=project.id, name=name),
    }


# -- projects -------------------------------------------------------------------------------


@bp.get("/projects/")
def list_projects():
    """List every project."""
    return {"projects": [_project_json(p) for p in _store().list_projects()]}


@bp.post("/projects/")
def create_project():
    """Create a project from {"key", "name"}; 201 with its URL in Location."""
    payload = _json_object()
    try:
        project = _store().create_project(payload.get("key"), payload.get("name"))
    except InvalidData as e:
        abort(400, str(e))
    except Conflict as e:
        abort(409, str(e))
    body = _project_json(project)
    return body, 201, {"Location": body["links"]["self"]}


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    """Show one project."""
    return _project_json(_project_or_404(project_id))


@bp.delete("/projects/<int:project_id>")
def delete_project(project_id: int):
    """Delete a project with its issues and files."""
    if not _store().delete_project(project_id):
        abort(404, f"no project {project_id}")
    return "", 204


@bp.get("/project/<int:project_id>")
def legacy_project(project_id: int):
    """Send links of the old API (/project/<id>) to the new URL for good."""
    return redirect(url_for("api.get_project", project_id=project_id), code=301)


# -- issues ---------------------------------------------------------------------------------


@bp.get("/projects/<int:project_id>/issues/")
def list_issues(project_id: int):
    """List a project's issues."""
    project = _project_or_404(project_id)
    return {"issues": [_issue_json(project, issue) for issue in project.issues]}


@bp.post("/projects/<int:project_id>/issues/")
def create_issue(project_id: int):
    """Add an issue from {"title", "estimate"?, "labels"?}; 201 with its URL in Location."""
    project = _project_or_404(project_id)
    payload = _json_object()
    try:
        issue = _store().add_issue(
            project,
            payload.get("title"),
            payload.get("estimate", 0.0),
            payload.get("labels", []),
        )
    except InvalidData as e:
        abort(400, str(e))
    body = _issue_json(project, issue)
    return body, 201, {"Location": body["links"]["self"]}


@bp.get("/projects/<int:project_id>/issues/<int:number>")
def get_issue(project_id: int, number: int):
    """Show one issue of a project."""
    project = _project_or_404(project_id)
    issue = _store().get_issue(project, number)
    if issue is None:
        abort(404, f"no issue {number} in project {project.key}")
    return _issue_json(project, issue)


@bp.get("/projects/<int:project_id>/labels/<label>")
def issues_with_label(project_id: int, label: str):
    """List the project's issues that carry one label (a label never contains '/')."""
    project = _project_or_404(project_id)
    issues = _store().issues_with_label(project, label)
    return {"label": label, "issues": [_issue_json(project, issue) for issue in issues]}


@bp.get("/browse/<issue_key:key>")
def browse(key: IssueKey):
    """Send a short link such as /browse/TRK-42 to the issue's current URL."""
    project = _store().project_by_key(key.project_key)
    if project is None or _store().get_issue(project, key.number) is None:
        abort(404, f"no issue {key}")
    # 302: the short link stays; where it points may change (an issue can move).
    return redirect(url_for("api.get_issue", project_id=project.id, number=key.number))


# -- planning -------------------------------------------------------------------------------


@bp.get("/projects/<int:project_id>/plan/<float:hours_per_day>")
def plan(project_id: int, hours_per_day: float):
    """Say how many working days the project's estimates take at a given pace."""
    project = _project_or_404(project_id)
    if hours_per_day <= 0:
        abort(400, "hours_per_day must be greater than zero")
    total = _store().total_estimate(project)
    return {
        "total_hours": total,
        "hours_per_day": hours_per_day,
        "days": math.ceil(total / hours_per_day),
    }


# -- files ----------------------------------------------------------------------------------


@bp.get("/projects/<int:project_id>/files/")
def list_files(project_id: int):
    """List a project's files with their URLs."""
    project = _project_or_404(project_id)
    files = _store().list_files(project)
    return {"files": [_file_json(project, name, size) for name, size in files]}


@bp.get("/projects/<int:project_id>/files/<path:name>")
def get_file(project_id: int, name: str):
    """Send one file; send_from_directory answers 404 for names that leave the folder."""
    project = _project_or_404(project_id)
    return send_from_directory(_store().files_dir(project), name)


@bp.put("/projects/<int:project_id>/files/<path:name>")
def put_file(project_id: int, name: str):
    """Store the request body as a file; 201 when new, 200 when replaced."""
    project = _project_or_404(project_id)
    folder = _store().files_dir(project)
    target = safe_join(str(folder), name)
    if target is None or name.endswith("/"):
        abort(400, "a file name is a relative path that stays inside the project")
    path = Path(target)
    existed = path.is_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(request.get_data())
    except (FileExistsError, IsADirectoryError, NotADirectoryError):
        abort(409, f"{name} clashes with a folder or file of the same name")
    body = _file_json(project, path.relative_to(folder).as_posix(), path.stat().st_size)
    if existed:
        return body, 200
    return body, 201, {"Location": body["url"]}
