"""The Trackly API routes (see README.md for the exact interface)."""

from __future__ import annotations

import math
import os

from flask import Blueprint, abort, current_app, redirect, request, send_from_directory, url_for
from werkzeug.security import safe_join

from .store import Conflict, InvalidData, Project, Store

bp = Blueprint("api", __name__)


def _store() -> Store:
    return current_app.extensions["trackly"]


def _get_project(project_id):
    project = _store().get_project(project_id)
    if project is None:
        abort(404, f"no project {project_id}")
    return project


def _payload():
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
            "self": url_for(".get_project", project_id=project.id),
            "issues": url_for(".issues", project_id=project.id),
            "files": url_for(".files", project_id=project.id),
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
            "self": url_for(".get_issue", project_id=project.id, number=issue.number),
            "project": url_for(".get_project", project_id=project.id),
            "browse": url_for(".browse", key=(project.key, issue.number)),
        },
    }


@bp.get("/projects/")
def list_projects():
    return {"projects": [_project_json(p) for p in _store().list_projects()]}


@bp.post("/projects/")
def create_project():
    payload = _payload()
    try:
        project = _store().create_project(payload.get("key"), payload.get("name"))
    except InvalidData as e:
        abort(400, str(e))
    except Conflict as e:
        abort(409, str(e))
    return _project_json(project), 201, {"Location": url_for(".get_project", project_id=project.id)}


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    return _project_json(_get_project(project_id))


@bp.delete("/projects/<int:project_id>")
def delete_project(project_id: int):
    if not _store().delete_project(project_id):
        abort(404)
    return "", 204


@bp.route("/projects/<int:project_id>/issues/", methods=["GET", "POST"])
def issues(project_id):
    project = _get_project(project_id)
    if request.method == "GET":
        return {"issues": [_issue_json(project, i) for i in project.issues]}
    payload = _payload()
    try:
        issue = _store().add_issue(
            project, payload.get("title"), payload.get("estimate", 0), payload.get("labels", [])
        )
    except InvalidData as e:
        abort(400, str(e))
    url = url_for(".get_issue", project_id=project.id, number=issue.number)
    return _issue_json(project, issue), 201, {"Location": url}


@bp.get("/projects/<int:project_id>/issues/<int:number>")
def get_issue(project_id, number):
    project = _get_project(project_id)
    issue = _store().get_issue(project, number)
    if issue is None:
        abort(404)
    return _issue_json(project, issue)


@bp.get("/projects/<int:project_id>/labels/<label>")
def label(project_id, label):
    project = _get_project(project_id)
    issues = _store().issues_with_label(project, label)
    return {"label": label, "issues": [_issue_json(project, i) for i in issues]}


@bp.get("/projects/<int:project_id>/plan/<float:hours_per_day>")
def plan(project_id, hours_per_day):
    project = _get_project(project_id)
    total = _store().total_estimate(project)
    return {
        "total_hours": total,
        "hours_per_day": hours_per_day,
        "days": math.ceil(total / hours_per_day),
    }


@bp.get("/projects/<int:project_id>/files/")
def files(project_id):
    project = _get_project(project_id)
    return {
        "files": [
            {
                "name": name,
                "size": size,
                "url": url_for(".file", project_id=project.id, name=name),
            }
            for name, size in _store().list_files(project)
        ]
    }


@bp.route("/projects/<int:project_id>/files/<path:name>", methods=["GET", "PUT"])
def file(project_id, name):
    project = _get_project(project_id)
    folder = _store().files_dir(project)
    if request.method == "GET":
        return send_from_directory(folder, name)
    path = safe_join(str(folder), name)
    if path is None:
        abort(400, "bad file name")
    created = not os.path.exists(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(request.get_data())
    body = {
        "name": name,
        "size": os.path.getsize(path),
        "url": url_for(".file", project_id=project.id, name=name),
    }
    if created:
        return body, 201, {"Location": body["url"]}
    return body


@bp.get("/browse/<issue_key:key>")
def browse(key):
    project_key, number = key
    project = _store().project_by_key(project_key)
    if project is None or _store().get_issue(project, number) is None:
        abort(404)
    return redirect(url_for(".get_issue", project_id=project.id, number=number))


@bp.get("/project/<int:project_id>")
def old_project(project_id):
    return redirect(url_for(".get_project", project_id=project_id), 301)
