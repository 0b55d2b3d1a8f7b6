"""A submission that passed intake: its tree normalised, written, and hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionRejected
from grader.intake.collect import Collector
from grader.intake.limits import too_deep
from grader.intake.names import JUNK_HINT, show
from grader.intake.write import write_tree


@dataclass(frozen=True)
class Submission:
    """A submission that passed intake, written below a folder the grader owns."""

    root: Path  # a fresh folder holding only regular files and dirs
    sha256: str  # of the normalised content: same project, same id, whatever the packaging
    files: tuple[str, ...]  # sorted relative posix paths
    source_name: str  # what the user gave (file or folder name), for the report


def finish(collector: Collector, dest: Path, source_name: str, *, strip: bool) -> Submission:
    """Check the collected tree as a whole, write it below `dest` and describe it."""
    limits = collector.limits
    files = collector.files
    if not files:
        raise SubmissionRejected(
            f"{show(source_name)} holds no files (after skipping {JUNK_HINT}): "
            "add your project files"
        )
    dirs = set(collector.dirs)
    for parts in files:
        dirs.update(parts[:i] for i in range(1, len(parts)))
    for parts in files:
        if parts in dirs:
            raise SubmissionRejected(
                f"{show('/'.join(parts))} is both a file and a folder: re-create the archive"
            )
    if strip:
        files = _strip_top_folder(files)
    for parts in files:
        rel = "/".join(parts)
        if len(parts) > limits.max_depth:
            raise too_deep(rel, limits)
        if len(rel) > limits.max_path_len:
            raise SubmissionRejected(
                f"entry {show(rel)} has a path longer than {limits.max_path_len} characters: "
                "use shorter names"
            )
    ordered = sorted(files)
    write_tree(dest, [(parts, files[parts]) for parts in ordered])
    return Submission(
        root=dest,
        sha256=_content_hash(("/".join(p), files[p]) for p in ordered),
        files=tuple("/".join(p) for p in ordered),
        source_name=source_name,
    )


def _strip_top_folder(files: dict[tuple[str, ...], bytes]) -> dict[tuple[str, ...], bytes]:
    """Drop the one folder that wraps everything (candidates zip their project folder).

    A wrapping folder that is itself a Python package (holds __init__.py) is kept: the
    entry point would need its name.
    """
    tops = {parts[0] for parts in files}
    if len(tops) != 1 or any(len(parts) < 2 for parts in files):
        return files
    top = next(iter(tops))
    if (top, "__init__.py") in files:
        return files
    return {parts[1:]: content for parts, content in files.items()}


def _content_hash(items: Iterable[tuple[str, bytes]]) -> str:
    """Hash (path, content) pairs, each length-prefixed so no two trees encode alike."""
    digest = hashlib.sha256(b"grader-submission-v1\0")
    for rel, content in items:
        encoded = rel.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
        digest.update(len(content).to_bytes(8, "big"))
        digest.update(content)
    return digest.hexdigest()
