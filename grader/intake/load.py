"""The ways in: a folder, an archive or a .py file on disk, or the bytes of an upload."""

from __future__ import annotations

import io
import os
import re
import stat
import tokenize
import zipfile
from pathlib import Path
from typing import BinaryIO

from grader.errors import SubmissionRejected
from grader.intake.collect import Collector, detail
from grader.intake.folder import collect_folder, reason
from grader.intake.limits import IntakeLimits, format_size
from grader.intake.names import JUNK_HINT, show, split_name
from grader.intake.submission import Submission, finish
from grader.intake.tar import collect_tar
from grader.intake.write import check_dest
from grader.intake.zip import collect_zip

_SUFFIXES = (
    (".tar.gz", "tgz"),
    (".tgz", "tgz"),
    (".tar", "tar"),
    (".zip", "zip"),
    (".py", "py"),
)
SUBMISSION_SUFFIXES = tuple(suffix for suffix, _ in _SUFFIXES)  # what a file may end with
_KIND_NAMES = {"zip": "a zip archive", "tar": "a tar archive", "tgz": "a gzip-compressed tar"}
_SUPPORTED = "submit a folder, a .zip, .tar, .tar.gz/.tgz or a single .py file"
_DEFAULT_LIMITS = IntakeLimits()


def load_submission(
    path: Path, dest: Path, *, limits: IntakeLimits = _DEFAULT_LIMITS
) -> Submission:
    """Validate the folder, archive or .py file at `path` and write it below `dest`.

    `dest` must be an empty or missing folder; nothing is written anywhere else, and
    nothing at all is written when the submission is rejected. Bad input raises only
    SubmissionRejected.
    """
    path = Path(path)
    dest = check_dest(Path(dest))
    source_name = path.name or path.absolute().name
    try:
        st = os.lstat(path)
    except FileNotFoundError as e:
        raise SubmissionRejected(f"{show(str(path))} does not exist: check the path") from e
    except OSError as e:
        raise SubmissionRejected(f"cannot read {show(str(path))}: {e.strerror}") from e
    if stat.S_ISLNK(st.st_mode):
        raise SubmissionRejected(
            f"{show(str(path))} is a symlink: pass the file or folder it points to"
        )
    if stat.S_ISDIR(st.st_mode):
        collector = Collector(limits, from_archive=False)
        collect_folder(path, collector)
        return finish(collector, dest, source_name, strip=False)
    if not stat.S_ISREG(st.st_mode):
        raise SubmissionRejected(f"{show(str(path))} is not a regular file or folder: {_SUPPORTED}")
    kind = _kind_of(source_name)
    collector = Collector(limits, from_archive=kind != "py")
    try:
        # O_NONBLOCK: a FIFO swapped in after lstat must not hang the grader; fstat catches it.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise SubmissionRejected(f"cannot read {show(str(path))}: {reason(e)}") from e
    with os.fdopen(fd, "rb") as fileobj:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SubmissionRejected(f"{show(str(path))} is not a regular file: {_SUPPORTED}")
        _collect_file(fileobj, kind, source_name, st.st_size, collector)
    return finish(collector, dest, source_name, strip=kind != "py")


def submission_from_bytes(
    name: str, data: bytes, dest: Path, *, limits: IntakeLimits = _DEFAULT_LIMITS
) -> Submission:
    """Validate an uploaded file called `name` and write it below `dest`.

    The name's suffix decides the kind (.zip, .tar, .tar.gz/.tgz, .py) and the content must
    agree. Same guarantees as load_submission.
    """
    dest = check_dest(Path(dest))
    # Browsers may send a client-side path; only its last component means anything.
    source_name = re.split(r"[\\/]", name)[-1] or "upload"
    kind = _kind_of(source_name)
    collector = Collector(limits, from_archive=kind != "py")
    _collect_file(io.BytesIO(data), kind, source_name, len(data), collector)
    return finish(collector, dest, source_name, strip=kind != "py")


def _kind_of(name: str) -> str:
    lowered = name.lower()
    for suffix, kind in _SUFFIXES:
        if lowered.endswith(suffix):
            return kind
    raise SubmissionRejected(f"{show(name)} is not a supported kind of submission: {_SUPPORTED}")


def _sniff(fileobj: BinaryIO) -> str | None:
    """Return the archive kind the content looks like, or None."""
    fileobj.seek(0)
    head = fileobj.read(512)
    fileobj.seek(0)
    if head[:2] == b"\x1f\x8b":
        return "tgz"
    if head[257:262] == b"ustar":
        return "tar"
    # A local-file or end-of-directory signature up front: a zip, possibly a broken one
    # (which then reads as corrupt rather than as "not a zip").
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06") or zipfile.is_zipfile(fileobj):
        fileobj.seek(0)
        return "zip"
    return None


def _collect_file(fileobj: BinaryIO, kind: str, name: str, size: int, collector: Collector) -> None:
    limits = collector.limits
    if kind == "py":
        if size > limits.max_file_bytes:
            raise SubmissionRejected(
                f"{show(name)} is larger than {format_size(limits.max_file_bytes)}: "
                "submit a smaller file"
            )
        parts = split_name(name)
        if len(parts) != 1:
            raise SubmissionRejected(f"{show(name)} is not a valid file name: rename it")
        collector.add_file(parts, name, fileobj.read)
        _check_python_text(name, collector.files[parts])
        return
    if size > limits.max_archive_bytes:
        raise SubmissionRejected(
            f"{show(name)} is larger than {format_size(limits.max_archive_bytes)}: leave out "
            f"dependencies and data files ({JUNK_HINT} are skipped anyway)"
        )
    actual = _sniff(fileobj)
    if actual != kind:
        found = f"it is {_KIND_NAMES[actual]}" if actual else "its content is not an archive"
        raise SubmissionRejected(
            f"{show(name)} is named like {_KIND_NAMES[kind]} but {found}: "
            "re-create the archive or give it the right suffix"
        )
    if kind == "zip":
        collect_zip(fileobj, collector)
    else:
        collect_tar(fileobj, kind, collector)


def _check_python_text(name: str, content: bytes) -> None:
    """Refuse a .py file that Python could not read as source text."""
    try:
        # detect_encoding honours a PEP 263 coding cookie and a UTF-8 BOM.
        encoding, _ = tokenize.detect_encoding(io.BytesIO(content).readline)
        content.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        raise SubmissionRejected(
            f"{show(name)} is not Python source text: save it as UTF-8 ({detail(e)})"
        ) from e
    if b"\0" in content:
        raise SubmissionRejected(f"{show(name)} is not Python source text: it holds NUL bytes")
