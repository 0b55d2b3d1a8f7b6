"""Files the web app keeps under ``data_dir``: submissions, results, challenge versions, the key.

Layout (every folder 0700):

    data_dir/
      grader.sqlite3            the embedded database (unless database_url names another)
      secret_key                the session signing key, 0600, made on first run
      submissions/<id>/files/   the uploaded archive, or the uploaded .py files, as sent
      runs/<id>/                result.json, report.html and the exports of one grading
      challenges/<id>/<slug>/   one immutable copy of a challenge folder per version
      tmp/                      intake checks; on the same file system, so renames are atomic

Uploaded bytes are written to a fresh folder, fsync'd, then renamed into place and the parent
fsync'd: once ``store_submission`` returns, the submission survives a crash.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from grader.challenges import SLUG, read_manifest
from grader.errors import ChallengeError, InputRejected, SubmissionRejected
from grader.intake import IntakeLimits, MiB, Submission, is_junk, submission_from_bytes
from grader.results import Result, load_result
from grader.tempdirs import owned_mkdtemp, owned_tempdir

FOLDERS = ("submissions", "runs", "challenges", "tmp")
# What tmp/ holds while a request checks or stores an upload; a killed server's are reaped.
INTAKE_TMP, STORE_TMP, CHALLENGE_TMP = "intake-", "store-", "challenge-"
TMP_PREFIXES = (INTAKE_TMP, STORE_TMP, CHALLENGE_TMP)
SECRET_FILE = "secret_key"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
# A challenge folder holds a suite, a starter, a solution and samples: more than a submission.
CHALLENGE_LIMITS = IntakeLimits(
    max_files=2000, max_file_bytes=8 * MiB, max_total_bytes=64 * MiB, max_depth=16
)


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the browser sent and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed intake: what to store, and what intake learnt about it."""

    files: tuple[Upload, ...]  # with safe names
    sha256: str
    source_name: str
    size_bytes: int

    @property
    def entry(self) -> str:
        """What to grade, relative to the stored folder: the archive, or the folder of files."""
        return f"files/{self.files[0].name}" if len(self.files) == 1 else "files"


def ensure_layout(data_dir: Path) -> None:
    """Create ``data_dir`` and its folders, private to this user."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in FOLDERS:
        (data_dir / name).mkdir(mode=0o700, exist_ok=True)


def load_or_create_secret(data_dir: Path) -> str:
    """Return the key in ``data_dir/secret_key``, creating it (0600) on first use."""
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
        out.flush()
        os.fsync(out.fileno())
    return path.read_text(encoding="ascii").strip()


def safe_name(name: str) -> str:
    """Return an upload's last path component with only portable characters, suffix kept."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).lstrip(".")[-100:]
    return cleaned or "upload"


def check_upload(uploads: Sequence[Upload], tmp_dir: Path) -> CheckedUpload:
    """Run intake on an upload (one archive or .py file, or several .py files); raise if refused.

    Nothing is kept: intake writes into a temporary folder that is removed before returning.
    """
    uploads = [u for u in uploads if u.name or u.data]
    if not uploads:
        raise SubmissionRejected("no file was sent: choose a .zip of your project or .py files")
    files = tuple(Upload(safe_name(u.name), u.data) for u in uploads)
    if len(files) == 1:
        name, data = files[0].name, files[0].data
    else:
        names = [f.name for f in files]
        not_py = [n for n in names if not n.lower().endswith(".py")]
        if not_py:
            raise SubmissionRejected(
                f"{not_py[0]!r} cannot be sent with other files: send several .py files, "
                "or one .zip of the project (with its templates/ and other folders)"
            )
        if len(set(names)) != len(names):
            raise SubmissionRejected("two files have the same name: send a .zip instead")
        name, data = "files.zip", _zip_files(files)
    with owned_tempdir(INTAKE_TMP, tmp_dir) as tmp:
        checked: Submission = submission_from_bytes(name, data, Path(tmp) / "submission")
    source_name = files[0].name if len(files) == 1 else ", ".join(f.name for f in files)
    return CheckedUpload(
        files=files,
        sha256=checked.sha256,
        source_name=source_name[:300],
        size_bytes=sum(len(f.data) for f in files),
    )


def _zip_files(files: Sequence[Upload]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for upload in files:
            archive.writestr(upload.name, upload.data)
    return buffer.getvalue()


def store_submission(data_dir: Path, submission_id: str, upload: CheckedUpload) -> str:
    """Write the upload durably to ``submissions/<id>/``; return the path to grade (relative)."""
    parent = data_dir / "submissions"
    final = parent / submission_id
    partial = owned_mkdtemp(STORE_TMP, data_dir / "tmp")
    try:
        files_dir = partial / "files"
        files_dir.mkdir(mode=0o700)
        for item in upload.files:
            _write_durably(files_dir / item.name, item.data)
        _fsync_dir(files_dir)
        _fsync_dir(partial)
        os.rename(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _fsync_dir(parent)
    return f"submissions/{submission_id}/{upload.entry}"


def _write_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def challenge_slug(root: Path) -> str:
    """Read the id from ``root/challenge.toml`` (the full check comes with load_challenge)."""
    try:
        manifest = read_manifest(root / "challenge.toml", "challenge.toml")
    except FileNotFoundError as exc:
        raise ChallengeError(
            "the archive has no challenge.toml at its top (or in its one top folder): "
            "zip the challenge folder itself"
        ) from exc
    slug = manifest.get("id")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ChallengeError(
            f"challenge.toml: id {slug!r} must be lower-case letters, digits and dashes"
        )
    return slug


def unpack_challenge(data_dir: Path, name: str, data: bytes, version_id: str) -> Path:
    """Extract an uploaded challenge archive safely into ``challenges/<version_id>/<slug>/``.

    Intake's checks apply (no links, no '..', bounded sizes), with a challenge's larger limits.
    """
    if not name.lower().endswith(_ARCHIVE_SUFFIXES):
        raise SubmissionRejected(
            f"{safe_name(name)!r} is not an archive: upload the challenge folder as a .zip, "
            ".tar or .tar.gz"
        )
    home = data_dir / "challenges" / version_id
    with owned_tempdir(CHALLENGE_TMP, data_dir / "tmp") as tmp:
        tree = Path(tmp) / "tree"
        submission_from_bytes(safe_name(name), data, tree, limits=CHALLENGE_LIMITS)
        slug = challenge_slug(tree)
        home.mkdir(mode=0o700, parents=True)
        os.rename(tree, home / slug)
    return home / slug


def copy_challenge(data_dir: Path, source: Path, version_id: str) -> Path:
    """Copy a bank challenge folder into ``challenges/<version_id>/<slug>/``."""
    home = data_dir / "challenges" / version_id
    home.mkdir(mode=0o700, parents=True)
    dest = home / source.name
    shutil.copytree(source, dest, symlinks=False, ignore=_junk_names)
    return dest


def _junk_names(folder: str, names: list[str]) -> set[str]:
    """The names in ``folder`` that a copy skips (``shutil.copytree``'s ``ignore``)."""
    return {name for name in names if is_junk((name,))}


def remove_tree(path: Path) -> None:
    """Remove a folder this module created, ignoring one that is already gone."""
    with suppress(FileNotFoundError):
        shutil.rmtree(path)


def starter_zip(root: Path, slug: str) -> bytes:
    """Zip a challenge's starter/ as ``<slug>/...``, the layout candidates submit back."""
    buffer = io.BytesIO()
    starter = root / "starter"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(starter.rglob("*")):
            rel = path.relative_to(starter)
            if is_junk(rel.parts) or path.is_symlink():
                continue
            if path.is_file():
                archive.write(path, f"{slug}/{rel.as_posix()}")
    return buffer.getvalue()


def run_result(data_dir: Path, result_json: str | None, result_dir: str) -> Result:
    """Load a run's result document: from its row, or (runs graded before results moved into
    the database) from ``data_dir``; InputRejected if it is damaged or missing."""
    if result_json:
        return load_result(result_json)
    return read_result(data_dir, result_dir)


def read_result(data_dir: Path, result_dir: str) -> Result:
    """Load and check the result document a worker wrote (InputRejected if it is damaged)."""
    try:
        text = (data_dir / result_dir / "result.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRejected(
            f"the result of this run is missing or unreadable ({type(exc).__name__}): re-grade it"
        ) from exc
    return load_result(text)
