"""Collect a folder on disk through directory fds: no path resolved twice, no link followed."""

from __future__ import annotations

import errno
import functools
import os
import stat
from pathlib import Path

from grader.errors import SubmissionRejected
from grader.intake.collect import Collector
from grader.intake.limits import too_deep
from grader.intake.names import is_junk, show, split_name

# Open a folder, never through a symlink.
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def collect_folder(path: Path, collector: Collector) -> None:
    """Collect every file below the folder at `path`, skipping junk."""
    try:
        root_fd = os.open(path, DIR_FLAGS)
    except OSError as e:
        raise SubmissionRejected(f"cannot read {show(str(path))}: {reason(e)}") from e
    try:
        _walk(root_fd, (), collector)
    finally:
        os.close(root_fd)


def _walk(dir_fd: int, prefix: tuple[str, ...], collector: Collector) -> None:
    """Collect a folder through directory fds: no path is resolved twice, no link followed."""
    limits = collector.limits
    try:
        with os.scandir(dir_fd) as it:
            children = sorted((entry.name, entry.stat(follow_symlinks=False)) for entry in it)
    except OSError as e:
        raise SubmissionRejected(
            f"cannot read folder {show('/'.join(prefix) or '.')}: {reason(e)}"
        ) from e
    for name, st in children:
        parts = (*prefix, name)
        rel = "/".join(parts)
        if is_junk(parts):
            continue
        collector.count_entry()
        collector.check_name_length(rel)
        split_name(rel)
        if len(parts) > limits.max_depth:
            raise too_deep(rel, limits)
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            raise SubmissionRejected(
                f"{show(rel)} is a symlink: symlinks are not accepted, copy the file itself "
                "into the folder"
            )
        if stat.S_ISDIR(mode):
            try:
                child_fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
            except OSError as e:
                raise SubmissionRejected(f"cannot read folder {show(rel)}: {reason(e)}") from e
            try:
                _walk(child_fd, parts, collector)
            finally:
                os.close(child_fd)
            continue
        if not stat.S_ISREG(mode):
            raise SubmissionRejected(
                f"{show(rel)} is a special file (device, FIFO or socket): only regular files "
                "and folders are accepted"
            )
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(name, flags, dir_fd=dir_fd)
        except OSError as e:
            raise SubmissionRejected(f"cannot read {show(rel)}: {reason(e)}") from e
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the scan
                raise SubmissionRejected(f"{show(rel)} changed while it was being read")
            collector.add_file(parts, rel, functools.partial(os.read, fd), st.st_size)
        finally:
            os.close(fd)


def reason(e: OSError) -> str:
    """Return why opening a path failed, in a few words."""
    if e.errno == errno.ELOOP:
        return "it is a symlink"
    return e.strerror or str(e)
