"""In-memory store for projects and issues; attachments live as files in a private folder."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9]{1,9}")


class InvalidData(ValueError):
    """The payload breaks a rule; the message says which."""


class Conflict(ValueError):
    """The payload clashes with what is stored (a project key already taken)."""


@dataclass
class Issue:
    number: int
    title: str
    estimate: float = 0.0
    labels: list[str] = field(default_factory=list)


@dataclass
class Project:
    id: int
    key: str
    name: str
    issues: list[Issue] = field(default_factory=list)


class Store:
    """Projects and their issues in memory, safe to share between the server's threads.

    Attachments are stored on disk under ``files_root/<project id>/``; the folder is private
    to this store (a fresh temporary folder unless one is given).
    """

    def __init__(self, files_root: str | Path | None = None) -> None:
        self.files_root = Path(files_root or tempfile.mkdtemp(prefix="trackly-"))
        self._lock = threading.Lock()
        self._projects: dict[int, Project] = {}
        self._next_id = 1

    # -- projects ---------------------------------------------------------------------------

    def create_project(self, key: object, name: object) -> Project:
        """Add a project; raise InvalidData for a bad key or name, Conflict for a taken key."""
        if not isinstance(key, str) or not PROJECT_KEY.fullmatch(key):
            raise InvalidData("key must be 2-10 capital letters or digits, starting with a letter")
        if not isinstance(name, str) or not name.strip():
            raise InvalidData("name must be a non-empty string")
        with self._lock:
            if any(p.key == key for p in self._projects.values()):
                raise Conflict(f"project key {key} is already taken")
            project = Project(id=self._next_id, key=key, name=name.strip())
            self._projects[project.id] = project
            self._next_id += 1
            return project

    def get_project(self, project_id: int) -> Project | None:
        """Return the project with this id, or None."""
        with self._lock:
            return self._projects.get(project_id)

    def project_by_key(self, key: str) -> Project | None:
        """Return the project with this key, or None."""
        with self._lock:
            return next((p for p in self._projects.values() if p.key == key), None)

    def list_projects(self) -> list[Project]:
        """Return every project, oldest first."""
        with self._lock:
            return sorted(self._projects.values(), key=lambda p: p.id)

    def delete_project(self, project_id: int) -> bool:
        """Remove a project, its issues and its files; return False if there was none."""
        with self._lock:
            project = self._projects.pop(project_id, None)
        if project is None:
            return False
        shutil.rmtree(self.files_root / str(project_id), ignore_errors=True)
        return True

    # -- issues -----------------------------------------------------------------------------

    def add_issue(
        self, project: Project, title: object, estimate: object = 0.0, labels: object = ()
    ) -> Issue:
        """Add an issue numbered after the project's last one; raise InvalidData if bad."""
        if not isinstance(title, str) or not title.strip():
            raise InvalidData("title must be a non-empty string")
        if isinstance(estimate, bool) or not isinstance(estimate, int | float) or estimate < 0:
            raise InvalidData("estimate must be a number of hours, zero or more")
        if not isinstance(labels, list | tuple) or not all(
            isinstance(label, str) and label and "/" not in label for label in labels
        ):
            raise InvalidData("labels must be a list of non-empty strings without '/'")
        with self._lock:
            issue = Issue(
                number=len(project.issues) + 1,
                title=title.strip(),
                estimate=float(estimate),
                labels=list(labels),
            )
            project.issues.append(issue)
            return issue

    def get_issue(self, project: Project, number: int) -> Issue | None:
        """Return the project's issue with this number, or None."""
        with self._lock:
            if 1 <= number <= len(project.issues):
                return project.issues[number - 1]
            return None

    def issues_with_label(self, project: Project, label: str) -> list[Issue]:
        """Return the project's issues that carry ``label``, in number order."""
        with self._lock:
            return [issue for issue in project.issues if label in issue.labels]

    def total_estimate(self, project: Project) -> float:
        """Return the sum of the estimates of the project's issues, in hours."""
        with self._lock:
            return sum(issue.estimate for issue in project.issues)

    # -- files ------------------------------------------------------------------------------

    def files_dir(self, project: Project) -> Path:
        """Return the folder that holds the project's files, creating it if needed."""
        folder = self.files_root / str(project.id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def list_files(self, project: Project) -> list[tuple[str, int]]:
        """Return (name, size in bytes) of every file of the project, sorted by name.

        Names are relative paths with '/' between folders ("docs/spec.md").
        """
        folder = self.files_dir(project)
        return sorted(
            (path.relative_to(folder).as_posix(), path.stat().st_size)
            for path in folder.rglob("*")
            if path.is_file()
        )
