"""Write a checked tree below a fresh folder: exclusive creates through fds, all or nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.errors import GraderError
from grader.intake.folder import DIR_FLAGS


def check_dest(dest: Path) -> Path:
    """Return `dest` made absolute if it is missing or an empty real folder."""
    dest = dest.absolute()
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        return dest
    except OSError as e:
        raise GraderError(f"cannot use {dest} as the intake folder: {e.strerror}") from e
    if not stat.S_ISDIR(st.st_mode):
        raise GraderError(f"intake destination {dest} is not a folder: pass a fresh folder")
    try:
        with os.scandir(dest) as it:
            empty = next(it, None) is None
    except OSError as e:
        raise GraderError(f"cannot use {dest} as the intake folder: {e.strerror}") from e
    if not empty:
        raise GraderError(f"intake destination {dest} is not empty: pass a fresh folder")
    return dest


def write_tree(dest: Path, files: list[tuple[tuple[str, ...], bytes]]) -> None:
    """Write files below `dest` through directory fds, creating each file exclusively.

    On any failure, remove what this call created, so no half-written submission remains.
    """
    try:
        try:
            dest.mkdir(mode=0o700, parents=True)
            made_dest = True
        except FileExistsError:
            made_dest = False
        dest_fd = os.open(dest, DIR_FLAGS)
    except OSError as e:
        raise GraderError(f"cannot create the intake folder {dest}: {e.strerror}") from e
    created: list[tuple[str, bool]] = []  # (relative path, is a dir), parents first
    try:
        os.fchmod(dest_fd, 0o700)
        for parts, content in files:
            _write_file(dest_fd, parts, content, created)
    except BaseException as e:
        for rel, is_dir in reversed(created):
            try:
                if is_dir:
                    os.rmdir(rel, dir_fd=dest_fd)
                else:
                    os.unlink(rel, dir_fd=dest_fd)
            except OSError:
                pass  # best effort: the original error is the one to report
        if made_dest:
            os.rmdir(dest)
        if isinstance(e, OSError):
            raise GraderError(f"cannot write the submission below {dest}: {e.strerror}") from e
        raise
    finally:
        os.close(dest_fd)


def _write_file(
    dest_fd: int, parts: tuple[str, ...], content: bytes, created: list[tuple[str, bool]]
) -> None:
    dir_fd = os.dup(dest_fd)
    try:
        for depth, part in enumerate(parts[:-1], start=1):
            try:
                os.mkdir(part, 0o755, dir_fd=dir_fd)
                created.append(("/".join(parts[:depth]), True))
            except FileExistsError:
                pass
            child = os.open(part, DIR_FLAGS, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = child
        # O_EXCL: never write through anything that is already there, a link least of all.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(parts[-1], flags, 0o644, dir_fd=dir_fd)
        created.append(("/".join(parts), False))
        with os.fdopen(fd, "wb") as out:
            out.write(content)
    finally:
        os.close(dir_fd)
