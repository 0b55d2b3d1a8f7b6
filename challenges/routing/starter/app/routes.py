"""The Trackly API routes (see README.md for the exact interface)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from .store import Conflict, InvalidData, Project, Store

bp = Blueprint("api", __name__)


def _store() -> Store:
    return current_app.extensions["trackly"]


def _project_json(project: Project) -> dict:
    return {
        "id": project.id,
        "key": project.key,
        "name": project.name,
        # TODO: "links": {"self": ..., "issues": ..., "files": ...}
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
    # TODO: a Location header with the new project's URL
    return _project_json(project), 201


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    """Show one project."""
    project = _store().get_project(project_id)
    if project is None:
        abort(404, f"no project {project_id}")
    return _project_json(project)


# TODO: the rest of the interface in README.md:
#   DELETE         /projects/<id>
#   GET, POST      /projects/<id>/issues/
#   GET            /projects/<id>/issues/<number>
#   GET            /projects/<id>/labels/<label>
#   GET            /projects/<id>/plan/<hours_per_day>
#   GET            /projects/<id>/files/
#   GET, PUT       /projects/<id>/files/<name>
#   GET            /browse/<issue key>        (302)
#   GET            /project/<id>              (301, the old API)
