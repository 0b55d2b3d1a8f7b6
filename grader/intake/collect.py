"""Hold validated entries in memory, bounded by the limits, until a whole input is read."""

from __future__ import annotations

import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable

from grader.errors import SubmissionRejected
from grader.intake.limits import IntakeLimits, KiB, format_size
from grader.intake.names import JUNK_HINT, NAME_MAX_BYTES, show

_CHUNK = 64 * KiB

# Everything a broken archive can raise while it is parsed or decompressed. OSError covers
# gzip.BadGzipFile and failing reads of the input; ValueError and struct.error come from
# malformed numeric fields; NotImplementedError from zip features zipfile does not support.
CORRUPT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,
)


class Collector:
    """Hold validated files in memory (bounded by the limits) until the whole input is read."""

    def __init__(self, limits: IntakeLimits, *, from_archive: bool) -> None:
        self.limits = limits
        self.from_archive = from_archive  # decides how a failing read is reported
        self.files: dict[tuple[str, ...], bytes] = {}
        self.dirs: set[tuple[str, ...]] = set()
        self.entries = 0
        self.total_bytes = 0

    def count_entry(self) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise SubmissionRejected(
                f"the submission has more than {self.limits.max_entries} entries: leave out "
                f"dependencies and generated files ({JUNK_HINT} included)"
            )

    def check_name_length(self, name: str) -> None:
        # Bounds memory early; the exact limit applies to final paths (after stripping a
        # top folder, which can shorten a path by one component).
        if len(name) > self.limits.max_path_len + NAME_MAX_BYTES + 1:
            raise SubmissionRejected(
                f"entry {show(name)} has a path longer than {self.limits.max_path_len} "
                "characters: use shorter names"
            )

    def add_dir(self, parts: tuple[str, ...]) -> None:
        if parts:
            self.dirs.add(parts)

    def add_file(
        self, parts: tuple[str, ...], name: str, read: Callable[[int], bytes], size: int = 0
    ) -> None:
        """Record a file, reading it through `read` and counting every decompressed byte."""
        limits = self.limits
        if not parts:
            raise SubmissionRejected(f"entry {show(name)} is a file with an empty name")
        if parts in self.files:
            raise SubmissionRejected(f"entry {show(name)} appears twice: re-create the archive")
        if len(self.files) >= limits.max_files:
            raise SubmissionRejected(
                f"the submission has more than {limits.max_files} files: leave out "
                "dependencies, data and generated files"
            )
        # The declared size only lets us refuse early; the count below is what holds.
        if size > limits.max_file_bytes:
            raise self._file_too_large(name)
        content = bytearray()
        while True:
            chunk = _read_or_corrupt(read, name, self.from_archive)
            if not chunk:
                break
            content += chunk
            if len(content) > limits.max_file_bytes:
                raise self._file_too_large(name)
            if self.total_bytes + len(content) > limits.max_total_bytes:
                raise SubmissionRejected(
                    f"the submission is larger than {format_size(limits.max_total_bytes)} "
                    "uncompressed: leave out data files and build output"
                )
        self.total_bytes += len(content)
        self.files[parts] = bytes(content)

    def _file_too_large(self, name: str) -> SubmissionRejected:
        return SubmissionRejected(
            f"file {show(name)} is larger than {format_size(self.limits.max_file_bytes)} "
            "uncompressed: leave out data files and build output"
        )


def _read_or_corrupt(read: Callable[[int], bytes], name: str, from_archive: bool) -> bytes:
    try:
        return read(_CHUNK)
    except CORRUPT as e:
        if from_archive:
            raise corrupt(e, name) from e
        raise SubmissionRejected(f"cannot read {show(name)}: {detail(e)}") from e


def corrupt(e: BaseException, name: str | None = None) -> SubmissionRejected:
    """Return the rejection of a corrupt archive, naming the entry when known."""
    where = f"entry {show(name)}: " if name is not None else ""
    return SubmissionRejected(f"the archive is corrupt: {where}{detail(e)}: re-create it")


def detail(e: BaseException) -> str:
    """Return an exception's text on one short line (it may quote names from the archive)."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."
