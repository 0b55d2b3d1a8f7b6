"""Collect the entries of a tar or gzip-compressed tar, read forward once with a byte cap."""

from __future__ import annotations

import contextlib
import gzip
import io
import tarfile
from typing import BinaryIO, Self

from grader.errors import SubmissionRejected
from grader.intake.collect import CORRUPT, Collector, corrupt, detail
from grader.intake.limits import KiB, format_size
from grader.intake.names import JUNK_HINT, is_junk, show, split_name

_TAR_META_TYPES = frozenset(
    {
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
    }
)
_TAR_META_MAX_BYTES = 8 * KiB
_TAR_META_MAX_COST = (16 * KiB) ** 2
# The zero block that ends a whole tar; tarfile names it, typeshed does not.
_END_OF_ARCHIVE: type[tarfile.HeaderError] = tarfile.EOFHeaderError  # type: ignore[attr-defined]


class _CappedReader(io.RawIOBase):
    """Read from a stream and refuse to go past `cap` bytes (bounds decompression)."""

    def __init__(self, inner: BinaryIO | gzip.GzipFile, cap: int) -> None:
        self._inner = inner
        self._cap = cap
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        self._count += len(data)
        if self._count > self._cap:
            raise SubmissionRejected(
                f"the archive is larger than {format_size(self._cap)} uncompressed: leave out "
                f"dependencies and data files ({JUNK_HINT} included)"
            )
        buffer[: len(data)] = data
        return len(data)


class _TarInfo(tarfile.TarInfo):
    """Bound tarfile's header parsing, and record why it stopped reading headers."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        # tarfile reads extended headers (pax, GNU long names) whole, and before Python
        # 3.11.10 parses pax ones with a regex that is quadratic in runs of digits
        # (CVE-2024-6232). Real ones are a few hundred bytes: bound each, and their summed
        # squared size, so a crafted archive costs at most about one 16 KiB header.
        if self.type in _TAR_META_TYPES:
            cost = getattr(tarfile_, "meta_cost", 0) + self.size * self.size
            tarfile_.meta_cost = cost  # type: ignore[attr-defined]
            if self.size > _TAR_META_MAX_BYTES or cost > _TAR_META_MAX_COST:
                raise SubmissionRejected(
                    "the archive has oversized or too many extended (pax) headers: re-create "
                    "it without extended attributes (tar --no-xattrs) or submit a zip"
                )
        # _proc_member is tarfile's private hook, absent from typeshed.
        member: tarfile.TarInfo = super()._proc_member(tarfile_)  # type: ignore[misc]
        return member

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> Self:
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.HeaderError as e:
            tarfile_.stop_error = e  # type: ignore[attr-defined]
            raise


def collect_tar(fileobj: BinaryIO, kind: str, collector: Collector) -> None:
    """Collect the members of the tar (`kind` "tar") or gzip-compressed tar ("tgz")."""
    limits = collector.limits
    with contextlib.ExitStack() as stack:
        try:
            stream: BinaryIO | gzip.GzipFile = fileobj
            if kind == "tgz":
                stream = stack.enter_context(gzip.GzipFile(fileobj=fileobj, mode="rb"))
                if stream.read(512)[257:262] != b"ustar":
                    raise SubmissionRejected(
                        "the archive is gzip-compressed but does not hold a tar archive: "
                        "re-create it with tar -czf"
                    )
                stream.seek(0)
            capped = stack.enter_context(
                io.BufferedReader(_CappedReader(stream, limits.max_archive_bytes))
            )
            # Stream mode reads forward only, so every byte passes through the cap; names
            # are decoded as UTF-8 with surrogate escapes, which split_name then refuses.
            archive = stack.enter_context(
                tarfile.open(
                    fileobj=capped,
                    mode="r|",
                    tarinfo=_TarInfo,
                    encoding="utf-8",
                    errors="surrogateescape",
                )
            )
        except CORRUPT as e:
            raise corrupt(e) from e
        members = iter(archive)
        while True:
            try:
                member = next(members, None)
            except CORRUPT as e:
                raise corrupt(e) from e
            if member is None:
                break
            _collect_tar_member(archive, member, collector)
        stop_error = getattr(archive, "stop_error", None)
        if stop_error is not None and not isinstance(stop_error, _END_OF_ARCHIVE):
            # A whole tar ends with a zero block; anything else is truncation or garbage,
            # which tarfile would otherwise pass over in silence.
            raise SubmissionRejected(
                "the archive is corrupt: it ends early or holds a bad header "
                f"({detail(stop_error)}): re-create it"
            )


def _collect_tar_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, collector: Collector
) -> None:
    collector.count_entry()
    name = member.name
    collector.check_name_length(name)
    parts = split_name(name)
    if parts and is_junk(parts):
        return
    shown = show(name)
    if member.issym():
        raise SubmissionRejected(
            f"entry {shown} is a symlink (to {show(member.linkname)}): symlinks are not "
            "accepted, put the file itself in the archive"
        )
    if member.islnk():
        raise SubmissionRejected(
            f"entry {shown} is a hard link (to {show(member.linkname)}): re-create the "
            "archive without hard links (tar --hard-dereference)"
        )
    if member.ischr() or member.isblk():
        raise SubmissionRejected(
            f"entry {shown} is a device node: only regular files and folders are accepted"
        )
    if member.isfifo():
        raise SubmissionRejected(
            f"entry {shown} is a FIFO: only regular files and folders are accepted"
        )
    if member.isdir():
        collector.add_dir(parts)
        return
    if not member.isreg():
        raise SubmissionRejected(
            f"entry {shown} has an unsupported tar type {member.type!r}: only regular files "
            "and folders are accepted"
        )
    try:
        content = archive.extractfile(member)
    except CORRUPT as e:
        raise corrupt(e, name) from e
    if content is None:  # unreachable for a regular member; keeps the type checker honest
        raise SubmissionRejected(f"the archive is corrupt: entry {shown} has no content")
    with content:
        collector.add_file(parts, name, content.read, member.size)
