"""The Trackly API routes (see README.md for the exact interface)."""

from __future__ import annotations

import math
import os

from flask import Blueprint, abort, current_app, redirect, request

from .store import Conflict, InvalidData, Project, Store

bp = Blueprint("api", __name__)


def _store() -> Store:
    return current_app.extensions["trackly"]


def _project_json(project: Project) -> dict:
    return {
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "links": {
            "self": f"/projects/{project.id}",
            "issues": f"/projects/{project.id}/issues/",
            "files": f"/projects/{project.id}/files/",
        },
    }


def _issue_json(project, issue):
    return {
        "number": issue.number,
        "key": f"{project.key}-{issue.number}",
        "title": issue.title,
        "estimate": issue.estimate,
        "labels": issue.labels,
        "links": {
            "self": f"/projects/{project.id}/issues/{issue.number}",
            "project": f"/projects/{project.id}",
            "browse": f"/browse/{project.key}-{issue.number}",
        },
    }


@bp.get("/projects/")
def list_projects():
    """List every project."""
    return {"projects": [_project_json(p) for p in _store().list_projects()]}


@bp.post("/projects/")
def create_project():
    """Create a project from {"key", "name"}."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, "the body must be a JSON object")
    try:
        project = _store().create_project(payload.get("key"), payload.get("name"))
    except InvalidData as e:
        abort(400, str(e))
    except Conflict as e:
        abort(409, str(e))
    return _project_json(project), 201, {"Location": f"/projects/{project.id}"}


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    """Show one project."""
    project = _store().get_project(project_id)
    if project is None:
        abort(404, f"no project {project_id}")
    return _project_json(project)


@bp.delete("/projects/<int:project_id>")
def delete_project(project_id):
    if not _store().delete_project(project_id):
        abort(404)
    return "", 204


@bp.route("/projects/<int:project_id>/issues/", methods=["GET", "POST"])
def issues(project_id):
    project = _store().get_project(project_id)
    if project is None:
        abort(404)
    if request.method == "POST":
        data = request.get_json()
        issue = _store().add_issue(
            project, data["title"], data.get("estimate", 0), data.get("labels", [])
        )
        return _issue_json(project, issue), 201, {
            "Location": f"/projects/{project.id}/issues/{issue.number}"
        }
    return {"issues": [_issue_json(project, i) for i in project.issues]}


@bp.get("/projects/<int:project_id>/issues/<int:number>")
def get_issue(project_id, number):
    project = _store().get_project(project_id)
    if project is None:
        abort(404)
    issue = _store().get_issue(project, number)
    if issue is None:
        abort(404)
    return _issue_json(project, issue)


@bp.get("/projects/<int:project_id>/labels/<label>")
def label(project_id, label):
    project = _store().get_project(project_id)
    if project is None:
        abort(404)
    issues = _store().issues_with_label(project, label)
    return {"label": label, "issues": [_issue_json(project, i) for i in issues]}


@bp.get("/projects/<int:project_id>/plan/<float:hours_per_day>")
def plan(project_id, hours_per_day):
    project = _store().get_project(project_id)
    if project is None:
        abort(404)
    total = _store().total_estimate(project)
    return {
        "total_hours": total,
        "hours_per_day": hours_per_day,
        "days": math.ceil(total / hours_per_day),
    }


@bp.get("/projects/<int:project_id>/files/")
def files(project_id):
    project = _store().get_project(project_id)
    if project is None:
        abort(404)
    return {
        "files": [
            {"name": name, "size": size, "url": f"/projects/{project.id}/files/{name}"}
            for name, size in _store().list_files(project)
        ]
    }


@bp.route("/projects/<int:project_id>/files/<path:name>", methods=["GET", "PUT"])
def file(project_id, name):
    project = _store().get_project(project_id)
    if project is None:
        abort(404)
    path = os.path.join(_store().files_dir(project), name)
    if request.method == "PUT":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(request.get_data())
        url = f"/projects/{project.id}/files/{name}"
        return {"name": name, "size": len(request.get_data()), "url": url}, 201, {"Location": url}
    if not os.path.isfile(path):
        abort(404)
    with open(path, "rb") as f:
        return f.read()


@bp.get("/browse/<key>")
def browse(key):
    project_key, number = key.split("-")
    project = _store().project_by_key(project_key)
    if project is None:
        abort(404)
    return redirect(f"/projects/{project.id}/issues/{number}")


@bp.get("/project/<int:project_id>")
def old_project(project_id):
    return redirect(f"/projects/{project_id}")
