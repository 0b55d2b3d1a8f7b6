"""How files travel to a worker on another machine: packed into bytes, stored by their SHA-256.

A challenge version's folder is packed into a reproducible tar.gz (same folder, same bytes, same
hash); a submission travels as the bytes it was stored as (a folder of files as a .zip). The web
app keeps both in the ``blobs`` table; a worker unpacks a version once into its own cache,
keyed by that hash, and writes a submission to a temporary folder for the run.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from grader.errors import GraderError, SubmissionRejected
from grader.intake import IntakeLimits, is_junk
from grader.web.db import Blob, ChallengeVersion, Run, Submission, db
from grader.web.storage import challenge_slug, remove_tree

# A submission's bytes are capped by intake (the upload limit, the archive limit): never more.
MAX_SUBMISSION_BYTES = IntakeLimits().max_archive_bytes
# What the folder of a submission is wrapped in, so that intake's top-folder strip removes
# exactly this level and the files keep the layout they had on disk.
FOLDER_TOP = "submission"


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex: a blob's key."""
    return hashlib.sha256(data).hexdigest()


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file below ``root`` (no links, no junk), by sorted relative path."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_symlink() or not path.is_file() or is_junk(rel.parts):
            continue
        yield rel.as_posix(), path


def pack_folder(root: Path) -> bytes:
    """Pack a folder into a reproducible tar.gz: only its files' names and bytes count."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name, path in _files(root):
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpack_folder(data: bytes, dest: Path) -> None:
    """Unpack what ``pack_folder`` made into the new folder ``dest`` (tarfile's "data" filter:
    no links, no absolute or escaping paths)."""
    dest.mkdir(mode=0o700)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(dest, filter="data")


def submission_bundle(path: Path) -> tuple[str, bytes]:
    """The name and bytes a worker grades ``path`` (a file, or a folder sent as a .zip) from."""
    if path.is_dir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, file in _files(path):
                archive.write(file, f"{FOLDER_TOP}/{name}")
        data = buffer.getvalue()
        name = f"{path.name or FOLDER_TOP}.zip"
    else:
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            raise SubmissionRejected(f"{path.name} is larger than a submission may be")
        data, name = path.read_bytes(), path.name
    if len(data) > MAX_SUBMISSION_BYTES:
        raise SubmissionRejected(f"{path.name} is larger than a submission may be")
    return name, data


def put_blob(data: bytes) -> str:
    """Store ``data`` once under its SHA-256 (a second writer of the same bytes is fine)."""
    sha = sha256_hex(data)
    if db.session.get(Blob, sha) is None:
        db.session.add(Blob(sha256=sha, size_bytes=len(data), data=data))
        try:
            db.session.commit()
        except IntegrityError:  # another process stored the same bytes first
            db.session.rollback()
    return sha


def get_blob(sha: str) -> bytes:
    """The bytes stored under ``sha``, checked against it."""
    blob = db.session.get(Blob, sha)
    if blob is None:
        raise GraderError(f"blob {sha[:12]} is missing from the database: re-grade the run")
    data = bytes(blob.data)
    if sha256_hex(data) != sha:
        raise GraderError(f"blob {sha[:12]} is damaged in the database: re-grade the run")
    return data


def ensure_version_bundle(version: ChallengeVersion, data_dir: Path) -> None:
    """Store the version's folder as a blob, once; needs an app context."""
    if not version.bundle_sha256:
        version.bundle_sha256 = put_blob(pack_folder(data_dir / version.root))
        db.session.commit()


def ensure_run_bundles(run: Run, data_dir: Path) -> None:
    """Store what a worker needs to grade ``run`` (its submission and its version) as blobs."""
    submission = run.submission
    if not submission.bundle_sha256:
        name, data = submission_bundle(data_dir / submission.stored_path)
        submission.bundle_name = name
        submission.bundle_sha256 = put_blob(data)
        db.session.commit()
    ensure_version_bundle(run.version, data_dir)


class BlobFiles:
    """A worker's ``RunFiles``: each version unpacked once into its cache, under
    ``challenges/<sha256>/<slug>/``; each submission written to a temporary folder for its run."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        (cache_dir / "challenges").mkdir(mode=0o700, parents=True, exist_ok=True)
        (cache_dir / "tmp").mkdir(mode=0o700, exist_ok=True)

    def challenge_root(self, version: ChallengeVersion) -> Path:
        sha = version.bundle_sha256
        if not sha:
            raise GraderError(
                f"challenge version {version.public_id} was never sent to workers: "
                "the web app stores it when it queues a run; re-grade the run"
            )
        return self.cached(sha, get_blob)

    def cached(self, sha: str, fetch: Callable[[str], bytes]) -> Path:
        """The folder of the bundle ``sha``, fetched and unpacked on first use (safe for
        parallel use); ``fetch`` returns the bundle's bytes."""
        home = self.cache_dir / "challenges" / sha
        if not home.is_dir():
            partial = Path(tempfile.mkdtemp(dir=self.cache_dir / "tmp", prefix="bundle-"))
            try:
                data = fetch(sha)
                if sha256_hex(data) != sha:
                    raise GraderError(f"bundle {sha[:12]} arrived damaged: grade it again")
                unpack_folder(data, partial / "tree")
                # A challenge folder is named by its id (load_challenge checks it).
                os.rename(partial / "tree", partial / challenge_slug(partial / "tree"))
                os.rename(partial, home)
            except OSError:
                if not home.is_dir():  # another thread won the rename: use its copy
                    raise
            finally:
                remove_tree(partial)
        return next(home.iterdir())

    @contextmanager
    def submission_path(self, submission: Submission) -> Iterator[Path]:
        if not submission.bundle_sha256:
            raise GraderError(
                f"submission {submission.public_id} was never sent to workers: re-grade it"
            )
        folder = Path(tempfile.mkdtemp(dir=self.cache_dir / "tmp", prefix="submission-"))
        try:
            path = folder / (submission.bundle_name or "submission.zip")
            path.write_bytes(get_blob(submission.bundle_sha256))
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)
