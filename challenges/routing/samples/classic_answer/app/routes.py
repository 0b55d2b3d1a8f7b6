"""The Trackly API routes (see README.md for the exact interface)."""

from __future__ import annotations

import math
import os

from flask import Blueprint, abort, current_app, redirect, request, send_from_directory, url_for

from .store import Conflict, InvalidData, Store

bp = Blueprint("api", __name__)


def store() -> Store:
    return current_app.extensions["trackly"]


def get_project_or_404(project_id):
    project = store().get_project(project_id)
    if project is None:
        abort(404, description=f"project {project_id} not found")
    return project


def json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="expected a JSON object")
    return data


def project_to_dict(project):
    return {
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "links": {
            "self": url_for("api.project", project_id=project.id),
            "issues": url_for("api.issues", project_id=project.id),
            "files": url_for("api.files", project_id=project.id),
        },
    }


def issue_to_dict(project, issue):
    return {
        "number": issue.number,
        "key": f"{project.key}-{issue.number}",
        "title": issue.title,
        "estimate": issue.estimate,
        "labels": issue.labels,
        "links": {
            "self": url_for("api.issue", project_id=project.id, number=issue.number),
            "project": url_for("api.project", project_id=project.id),
            "browse": url_for("api.browse", key=(project.key, issue.number)),
        },
    }


def file_to_dict(project, name, size):
    return {"name": name, "size": size, "url": url_for("api.file", project_id=project.id, name=name)}


@bp.route("/projects/", methods=["GET", "POST"])
def projects():
    if request.method == "POST":
        data = json_body()
        try:
            project = store().create_project(data.get("key"), data.get("name"))
        except InvalidData as e:
            abort(400, description=str(e))
        except Conflict as e:
            abort(409, description=str(e))
        body = project_to_dict(project)
        return body, 201, {"Location": body["links"]["self"]}
    return {"projects": [project_to_dict(p) for p in store().list_projects()]}


@bp.route("/projects/<int:project_id>", methods=["GET", "DELETE"])
def project(project_id):
    if request.method == "DELETE":
        if not store().delete_project(project_id):
            abort(404, description=f"project {project_id} not found")
        return "", 204
    return project_to_dict(get_project_or_404(project_id))


@bp.route("/projects/<int:project_id>/issues/", methods=["GET", "POST"])
def issues(project_id):
    project = get_project_or_404(project_id)
    if request.method == "POST":
        data = json_body()
        try:
            issue = store().add_issue(
                project, data.get("title"), data.get("estimate", 0), data.get("labels", [])
            )
        except InvalidData as e:
            abort(400, description=str(e))
        body = issue_to_dict(project, issue)
        return body, 201, {"Location": body["links"]["self"]}
    return {"issues": [issue_to_dict(project, i) for i in project.issues]}


@bp.route("/projects/<int:project_id>/issues/<int:number>")
def issue(project_id, number):
    project = get_project_or_404(project_id)
    found = store().get_issue(project, number)
    if found is None:
        abort(404, description=f"issue {number} not found")
    return issue_to_dict(project, found)


@bp.route("/projects/<int:project_id>/labels/<label>")
def label(project_id, label):
    project = get_project_or_404(project_id)
    found = store().issues_with_label(project, label)
    return {"label": label, "issues": [issue_to_dict(project, i) for i in found]}


@bp.route("/projects/<int:project_id>/plan/<float:hours_per_day>")
def plan(project_id, hours_per_day):
    project = get_project_or_404(project_id)
    if hours_per_day == 0:
        abort(400, description="hours_per_day must be positive")
    total = store().total_estimate(project)
    return {
        "total_hours": total,
        "hours_per_day": hours_per_day,
        "days": math.ceil(total / hours_per_day),
    }


@bp.route("/projects/<int:project_id>/files/")
def files(project_id):
    project = get_project_or_404(project_id)
    return {"files": [file_to_dict(project, n, s) for n, s in store().list_files(project)]}


@bp.route("/projects/<int:project_id>/files/<path:name>", methods=["GET", "PUT"])
def file(project_id, name):
    project = get_project_or_404(project_id)
    folder = store().files_dir(project)
    if request.method == "GET":
        # send_from_directory refuses names that leave the folder
        return send_from_directory(folder, name)

    if name.endswith("/"):
        abort(400, description="a file name cannot end with /")
    path = os.path.join(folder, name)
    existed = os.path.isfile(path)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(request.get_data())
    except (IsADirectoryError, NotADirectoryError, FileExistsError):
        abort(409, description=f"{name} clashes with an existing folder or file")
    body = file_to_dict(project, name, os.path.getsize(path))
    if existed:
        return body, 200
    return body, 201, {"Location": body["url"]}


@bp.route("/browse/<issue_key:key>")
def browse(key):
    project_key, number = key
    project = store().project_by_key(project_key)
    if project is None or store().get_issue(project, number) is None:
        abort(404, description=f"no issue {project_key}-{number}")
    return redirect(url_for("api.issue", project_id=project.id, number=number))


@bp.route("/project/<int:project_id>")
def old_project(project_id):
    return redirect(url_for("api.project", project_id=project_id), code=301)
