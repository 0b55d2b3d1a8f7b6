"""Turn an untrusted submission (folder, archive or single .py file) into a safe folder."""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import io
import os
import re
import stat
import struct
import tarfile
import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from grader.errors import GraderError, SubmissionRejected

KiB = 1024
MiB = 1024 * KiB

_CHUNK = 64 * KiB
# Linux NAME_MAX: a longer path component cannot be created, whatever max_path_len says.
_NAME_MAX_BYTES = 255
# Messages quote at most this much of an untrusted name.
_SHOWN_CHARS = 80

# Skipped quietly wherever they appear: editors, OSes and tools leave them in archives.
_JUNK_NAMES = frozenset(
    {"__MACOSX", ".DS_Store", "__pycache__", ".git", ".venv", "venv", "node_modules"}
)
_JUNK_HINT = "__MACOSX, .DS_Store, __pycache__, *.pyc, .git, .venv, venv, node_modules"

# Everything a broken archive can raise while it is parsed or decompressed. OSError covers
# gzip.BadGzipFile and failing reads of the input; ValueError and struct.error come from
# malformed numeric fields; NotImplementedError from zip features zipfile does not support.
_CORRUPT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,
)

# Only these are decompressed with a bounded output per read; bzip2 and lzma members are
# inflated a whole input chunk at a time, which a bomb can turn into gigabytes.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_ZIP_ENCRYPTED = 0x1
# A central directory entry is at least 46 bytes; real ones, with names and extra fields,
# stay well under this. Used to refuse a directory too large to parse before parsing it.
_ZIP_DIR_BYTES_PER_ENTRY = 1024
_ZIP_EOCD = struct.Struct("<4s4H2LH")
_ZIP_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_ZIP_EOCD64 = struct.Struct("<4sQ2H2L4Q")

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

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

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


@dataclass(frozen=True)
class IntakeLimits:
    """Bounds on what intake accepts; sizes are uncompressed bytes."""

    max_files: int = 200
    max_file_bytes: int = 2 * MiB
    max_total_bytes: int = 10 * MiB
    max_depth: int = 12  # components in a file's path: "app.py" is 1
    max_path_len: int = 255  # characters in a file's relative posix path
    # Entries examined, skipped junk included: bounds the work an archive can ask for.
    max_entries: int = 10_000
    # Bytes of the input archive, and bytes decompressed from a tar stream (junk included).
    max_archive_bytes: int = 64 * MiB


@dataclass(frozen=True)
class Submission:
    """A submission that passed intake, written below a folder the grader owns."""

    root: Path  # a fresh folder holding only regular files and dirs
    sha256: str  # of the normalised content: same project, same id, whatever the packaging
    files: tuple[str, ...]  # sorted relative posix paths
    source_name: str  # what the user gave (file or folder name), for the report


def load_submission(path: Path, dest: Path, *, limits: IntakeLimits = IntakeLimits()) -> Submission:
    """Validate the folder, archive or .py file at `path` and write it below `dest`.

    `dest` must be an empty or missing folder; nothing is written anywhere else, and
    nothing at all is written when the submission is rejected. Bad input raises only
    SubmissionRejected.
    """
    path = Path(path)
    dest = _check_dest(Path(dest))
    source_name = path.name or path.absolute().name
    try:
        st = os.lstat(path)
    except FileNotFoundError as e:
        raise SubmissionRejected(f"{_show(str(path))} does not exist: check the path") from e
    except OSError as e:
        raise SubmissionRejected(f"cannot read {_show(str(path))}: {e.strerror}") from e
    if stat.S_ISLNK(st.st_mode):
        raise SubmissionRejected(
            f"{_show(str(path))} is a symlink: pass the file or folder it points to"
        )
    if stat.S_ISDIR(st.st_mode):
        collector = _Collector(limits, from_archive=False)
        _collect_folder(path, collector)
        return _finish(collector, dest, source_name, strip=False)
    if not stat.S_ISREG(st.st_mode):
        raise SubmissionRejected(
            f"{_show(str(path))} is not a regular file or folder: {_SUPPORTED}"
        )
    kind = _kind_of(source_name)
    collector = _Collector(limits, from_archive=kind != "py")
    try:
        # O_NONBLOCK: a FIFO swapped in after lstat must not hang the grader; fstat catches it.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise SubmissionRejected(f"cannot read {_show(str(path))}: {_reason(e)}") from e
    with os.fdopen(fd, "rb") as fileobj:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SubmissionRejected(f"{_show(str(path))} is not a regular file: {_SUPPORTED}")
        _collect_file(fileobj, kind, source_name, st.st_size, collector)
    return _finish(collector, dest, source_name, strip=kind != "py")


def submission_from_bytes(
    name: str, data: bytes, dest: Path, *, limits: IntakeLimits = IntakeLimits()
) -> Submission:
    """Validate an uploaded file called `name` and write it below `dest`.

    The name's suffix decides the kind (.zip, .tar, .tar.gz/.tgz, .py) and the content must
    agree. Same guarantees as load_submission.
    """
    dest = _check_dest(Path(dest))
    # Browsers may send a client-side path; only its last component means anything.
    source_name = re.split(r"[\\/]", name)[-1] or "upload"
    kind = _kind_of(source_name)
    collector = _Collector(limits, from_archive=kind != "py")
    _collect_file(io.BytesIO(data), kind, source_name, len(data), collector)
    return _finish(collector, dest, source_name, strip=kind != "py")


def _kind_of(name: str) -> str:
    lowered = name.lower()
    for suffix, kind in _SUFFIXES:
        if lowered.endswith(suffix):
            return kind
    raise SubmissionRejected(f"{_show(name)} is not a supported kind of submission: {_SUPPORTED}")


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


def _collect_file(
    fileobj: BinaryIO, kind: str, name: str, size: int, collector: _Collector
) -> None:
    limits = collector.limits
    if kind == "py":
        if size > limits.max_file_bytes:
            raise SubmissionRejected(
                f"{_show(name)} is larger than {_size(limits.max_file_bytes)}: "
                "submit a smaller file"
            )
        parts = _split_name(name)
        if len(parts) != 1:
            raise SubmissionRejected(f"{_show(name)} is not a valid file name: rename it")
        collector.add_file(parts, name, fileobj.read)
        _check_python_text(name, collector.files[parts])
        return
    if size > limits.max_archive_bytes:
        raise SubmissionRejected(
            f"{_show(name)} is larger than {_size(limits.max_archive_bytes)}: leave out "
            f"dependencies and data files ({_JUNK_HINT} are skipped anyway)"
        )
    actual = _sniff(fileobj)
    if actual != kind:
        found = f"it is {_KIND_NAMES[actual]}" if actual else "its content is not an archive"
        raise SubmissionRejected(
            f"{_show(name)} is named like {_KIND_NAMES[kind]} but {found}: "
            "re-create the archive or give it the right suffix"
        )
    if kind == "zip":
        _collect_zip(fileobj, collector)
    else:
        _collect_tar(fileobj, kind, collector)


def _check_python_text(name: str, content: bytes) -> None:
    """Refuse a .py file that Python could not read as source text."""
    try:
        # detect_encoding honours a PEP 263 coding cookie and a UTF-8 BOM.
        encoding, _ = tokenize.detect_encoding(io.BytesIO(content).readline)
        content.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        raise SubmissionRejected(
            f"{_show(name)} is not Python source text: save it as UTF-8 ({_detail(e)})"
        ) from e
    if b"\0" in content:
        raise SubmissionRejected(f"{_show(name)} is not Python source text: it holds NUL bytes")


# --- names --------------------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, ...]:
    """Return the safe relative path components of an entry name, or reject it."""
    shown = _show(name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as e:
        # Surrogate escapes: tarfile and os.scandir decode invalid UTF-8 bytes to these.
        raise SubmissionRejected(
            f"entry {shown} has a name that is not valid UTF-8: rename it"
        ) from e
    if "\\" in name:
        raise SubmissionRejected(
            f"entry {shown} uses a backslash as a path separator: re-create the archive "
            "with a tool that writes '/' (7-Zip, Info-ZIP, Python's zipfile)"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise SubmissionRejected(f"entry {shown} has a control character in its name: rename it")
    if name.startswith("/"):
        raise SubmissionRejected(
            f"entry {shown} has an absolute path: re-create the archive with relative paths"
        )
    if re.match(r"[A-Za-z]:", name):
        raise SubmissionRejected(
            f"entry {shown} starts with a drive letter: re-create the archive with relative paths"
        )
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise SubmissionRejected(
            f"entry {shown} escapes the submission folder ('..' in its path): re-create the "
            "archive from inside your project folder"
        )
    for part in parts:
        if len(part.encode("utf-8")) > _NAME_MAX_BYTES:
            raise SubmissionRejected(
                f"entry {shown} has a name longer than {_NAME_MAX_BYTES} bytes: rename it"
            )
    return parts


def _is_junk(parts: tuple[str, ...]) -> bool:
    last = parts[-1]
    return (
        any(part in _JUNK_NAMES for part in parts)
        or last.endswith(".pyc")
        or last.startswith("._")  # AppleDouble metadata written by macOS tar and zip
    )


def _show(name: str) -> str:
    """Quote an untrusted name for a one-line message: escape what is not printable."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)
    if len(shown) > _SHOWN_CHARS:
        shown = shown[: _SHOWN_CHARS - 3] + "..."
    return "'" + shown.replace("'", "\\'") + "'"


def _size(n: int) -> str:
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    if n % KiB == 0:
        return f"{n // KiB} KiB"
    return f"{n} bytes"


def _corrupt(e: BaseException, name: str | None = None) -> SubmissionRejected:
    where = f"entry {_show(name)}: " if name is not None else ""
    return SubmissionRejected(f"the archive is corrupt: {where}{_detail(e)}: re-create it")


def _detail(e: BaseException) -> str:
    """Return an exception's text on one short line (it may quote names from the archive)."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _reason(e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "it is a symlink"
    return e.strerror or str(e)


# --- collecting entries -------------------------------------------------------------------


class _Collector:
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
                f"dependencies and generated files ({_JUNK_HINT} included)"
            )

    def check_name_length(self, name: str) -> None:
        # Bounds memory early; the exact limit applies to final paths (after stripping a
        # top folder, which can shorten a path by one component).
        if len(name) > self.limits.max_path_len + _NAME_MAX_BYTES + 1:
            raise SubmissionRejected(
                f"entry {_show(name)} has a path longer than {self.limits.max_path_len} "
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
            raise SubmissionRejected(f"entry {_show(name)} is a file with an empty name")
        if parts in self.files:
            raise SubmissionRejected(f"entry {_show(name)} appears twice: re-create the archive")
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
                    f"the submission is larger than {_size(limits.max_total_bytes)} "
                    "uncompressed: leave out data files and build output"
                )
        self.total_bytes += len(content)
        self.files[parts] = bytes(content)

    def _file_too_large(self, name: str) -> SubmissionRejected:
        return SubmissionRejected(
            f"file {_show(name)} is larger than {_size(self.limits.max_file_bytes)} "
            "uncompressed: leave out data files and build output"
        )


def _read_or_corrupt(read: Callable[[int], bytes], name: str, from_archive: bool) -> bytes:
    try:
        return read(_CHUNK)
    except _CORRUPT as e:
        if from_archive:
            raise _corrupt(e, name) from e
        raise SubmissionRejected(f"cannot read {_show(name)}: {_detail(e)}") from e


def _collect_zip(fileobj: BinaryIO, collector: _Collector) -> None:
    limits = collector.limits
    try:
        directory_bytes = _zip_directory_size(fileobj)
    except _CORRUPT as e:
        raise _corrupt(e) from e
    if directory_bytes > limits.max_entries * _ZIP_DIR_BYTES_PER_ENTRY:
        raise SubmissionRejected(
            f"the submission has more than {limits.max_entries} entries: leave out "
            f"dependencies and generated files ({_JUNK_HINT} included)"
        )
    try:
        archive = zipfile.ZipFile(fileobj)
    except UnicodeDecodeError as e:
        # Raised for names flagged UTF-8 (bit 11) that are not.
        raise SubmissionRejected(
            "the archive has an entry whose name is not valid UTF-8: rename it"
        ) from e
    except _CORRUPT as e:
        raise _corrupt(e) from e
    with archive:
        for info in archive.infolist():
            collector.count_entry()
            name = _zip_name(info)
            collector.check_name_length(name)
            parts = _split_name(name)
            if parts and _is_junk(parts):
                continue
            file_type = stat.S_IFMT(info.external_attr >> 16)
            if file_type == stat.S_IFLNK:
                raise SubmissionRejected(
                    f"entry {_show(name)} is a symlink: symlinks are not accepted, put the "
                    "file itself in the archive"
                )
            if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise SubmissionRejected(
                    f"entry {_show(name)} is a special file: only regular files and folders "
                    "are accepted"
                )
            if name.endswith("/") or file_type == stat.S_IFDIR:
                collector.add_dir(parts)
                continue
            if info.flag_bits & _ZIP_ENCRYPTED:
                raise SubmissionRejected(
                    f"entry {_show(name)} is encrypted: re-create the archive without a password"
                )
            if info.compress_type not in _ZIP_METHODS:
                raise SubmissionRejected(
                    f"entry {_show(name)} uses compression method {info.compress_type}: "
                    "re-create the archive with standard (deflate) compression"
                )
            try:
                member = archive.open(info)
            except _CORRUPT as e:
                raise _corrupt(e, name) from e
            with member:
                collector.add_file(parts, name, member.read, info.file_size)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Return the member's name as UTF-8 text, or reject it."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    # Without the UTF-8 flag zipfile decodes as cp437, yet most tools that omit the flag
    # (macOS Archive Utility, older Windows) wrote UTF-8: recover the bytes and insist on it.
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError as e:
        raise SubmissionRejected(
            f"entry {_show(name)} has a name that is not valid UTF-8: rename it or re-create "
            "the archive with UTF-8 names"
        ) from e


def _zip_directory_size(fileobj: BinaryIO) -> int:
    """Return how many central-directory bytes zipfile will parse (0 if it finds none).

    Mirrors zipfile's own search for the end record so that the two agree.
    """
    size = fileobj.seek(0, os.SEEK_END)
    if size < _ZIP_EOCD.size:
        return 0
    fileobj.seek(size - _ZIP_EOCD.size)
    end = fileobj.read(_ZIP_EOCD.size)
    if end[:4] == b"PK\x05\x06" and end[-2:] == b"\0\0":
        record_at = size - _ZIP_EOCD.size
    else:
        search_from = max(size - (1 << 16) - _ZIP_EOCD.size, 0)
        fileobj.seek(search_from)
        found = fileobj.read().rfind(b"PK\x05\x06")
        if found < 0:
            return 0
        record_at = search_from + found
        fileobj.seek(record_at)
        end = fileobj.read(_ZIP_EOCD.size)
        if len(end) != _ZIP_EOCD.size:
            return 0
    directory_bytes = _ZIP_EOCD.unpack(end)[5]
    locator_at = record_at - _ZIP_EOCD64_LOCATOR.size
    record64_at = locator_at - _ZIP_EOCD64.size
    if record64_at >= 0:
        fileobj.seek(locator_at)
        if fileobj.read(4) == b"PK\x06\x07":
            fileobj.seek(record64_at)
            record64 = fileobj.read(_ZIP_EOCD64.size)
            if record64[:4] == b"PK\x06\x06":
                directory_bytes = _ZIP_EOCD64.unpack(record64)[8]
    fileobj.seek(0)
    return directory_bytes


class _CappedReader(io.RawIOBase):
    """Read from a stream and refuse to go past `cap` bytes (bounds decompression)."""

    def __init__(self, inner: BinaryIO, cap: int) -> None:
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
                f"the archive is larger than {_size(self._cap)} uncompressed: leave out "
                f"dependencies and data files ({_JUNK_HINT} included)"
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
        return super()._proc_member(tarfile_)  # type: ignore[misc]

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.HeaderError as e:
            tarfile_.stop_error = e  # type: ignore[attr-defined]
            raise


def _collect_tar(fileobj: BinaryIO, kind: str, collector: _Collector) -> None:
    limits = collector.limits
    with contextlib.ExitStack() as stack:
        try:
            stream: BinaryIO = fileobj
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
            # are decoded as UTF-8 with surrogate escapes, which _split_name then refuses.
            archive = stack.enter_context(
                tarfile.open(
                    fileobj=capped,
                    mode="r|",
                    tarinfo=_TarInfo,
                    encoding="utf-8",
                    errors="surrogateescape",
                )
            )
        except _CORRUPT as e:
            raise _corrupt(e) from e
        members = iter(archive)
        while True:
            try:
                member = next(members, None)
            except _CORRUPT as e:
                raise _corrupt(e) from e
            if member is None:
                break
            _collect_tar_member(archive, member, collector)
        stop_error = getattr(archive, "stop_error", None)
        if stop_error is not None and not isinstance(stop_error, tarfile.EOFHeaderError):
            # A whole tar ends with a zero block; anything else is truncation or garbage,
            # which tarfile would otherwise pass over in silence.
            raise SubmissionRejected(
                "the archive is corrupt: it ends early or holds a bad header "
                f"({_detail(stop_error)}): re-create it"
            )


def _collect_tar_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, collector: _Collector
) -> None:
    collector.count_entry()
    name = member.name
    collector.check_name_length(name)
    parts = _split_name(name)
    if parts and _is_junk(parts):
        return
    shown = _show(name)
    if member.issym():
        raise SubmissionRejected(
            f"entry {shown} is a symlink (to {_show(member.linkname)}): symlinks are not "
            "accepted, put the file itself in the archive"
        )
    if member.islnk():
        raise SubmissionRejected(
            f"entry {shown} is a hard link (to {_show(member.linkname)}): re-create the "
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
    except _CORRUPT as e:
        raise _corrupt(e, name) from e
    if content is None:  # unreachable for a regular member; keeps the type checker honest
        raise SubmissionRejected(f"the archive is corrupt: entry {shown} has no content")
    with content:
        collector.add_file(parts, name, content.read, member.size)


def _collect_folder(path: Path, collector: _Collector) -> None:
    try:
        root_fd = os.open(path, _DIR_FLAGS)
    except OSError as e:
        raise SubmissionRejected(f"cannot read {_show(str(path))}: {_reason(e)}") from e
    try:
        _walk(root_fd, (), collector)
    finally:
        os.close(root_fd)


def _walk(dir_fd: int, prefix: tuple[str, ...], collector: _Collector) -> None:
    """Collect a folder through directory fds: no path is resolved twice, no link followed."""
    limits = collector.limits
    try:
        with os.scandir(dir_fd) as it:
            children = sorted((entry.name, entry.stat(follow_symlinks=False)) for entry in it)
    except OSError as e:
        raise SubmissionRejected(
            f"cannot read folder {_show('/'.join(prefix) or '.')}: {_reason(e)}"
        ) from e
    for name, st in children:
        parts = (*prefix, name)
        rel = "/".join(parts)
        if _is_junk(parts):
            continue
        collector.count_entry()
        collector.check_name_length(rel)
        _split_name(rel)
        if len(parts) > limits.max_depth:
            raise _too_deep(rel, limits)
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            raise SubmissionRejected(
                f"{_show(rel)} is a symlink: symlinks are not accepted, copy the file itself "
                "into the folder"
            )
        if stat.S_ISDIR(mode):
            try:
                child_fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as e:
                raise SubmissionRejected(f"cannot read folder {_show(rel)}: {_reason(e)}") from e
            try:
                _walk(child_fd, parts, collector)
            finally:
                os.close(child_fd)
            continue
        if not stat.S_ISREG(mode):
            raise SubmissionRejected(
                f"{_show(rel)} is a special file (device, FIFO or socket): only regular files "
                "and folders are accepted"
            )
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(name, flags, dir_fd=dir_fd)
        except OSError as e:
            raise SubmissionRejected(f"cannot read {_show(rel)}: {_reason(e)}") from e
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the scan
                raise SubmissionRejected(f"{_show(rel)} changed while it was being read")
            collector.add_file(parts, rel, lambda n, fd=fd: os.read(fd, n), st.st_size)
        finally:
            os.close(fd)


# --- normalising and writing --------------------------------------------------------------


def _finish(collector: _Collector, dest: Path, source_name: str, *, strip: bool) -> Submission:
    limits = collector.limits
    files = collector.files
    if not files:
        raise SubmissionRejected(
            f"{_show(source_name)} holds no files (after skipping {_JUNK_HINT}): "
            "add your project files"
        )
    dirs = set(collector.dirs)
    for parts in files:
        dirs.update(parts[:i] for i in range(1, len(parts)))
    for parts in files:
        if parts in dirs:
            raise SubmissionRejected(
                f"{_show('/'.join(parts))} is both a file and a folder: re-create the archive"
            )
    if strip:
        files = _strip_top_folder(files)
    for parts in files:
        rel = "/".join(parts)
        if len(parts) > limits.max_depth:
            raise _too_deep(rel, limits)
        if len(rel) > limits.max_path_len:
            raise SubmissionRejected(
                f"entry {_show(rel)} has a path longer than {limits.max_path_len} characters: "
                "use shorter names"
            )
    ordered = sorted(files)
    _write_tree(dest, [(parts, files[parts]) for parts in ordered])
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


def _too_deep(rel: str, limits: IntakeLimits) -> SubmissionRejected:
    return SubmissionRejected(
        f"entry {_show(rel)} is nested deeper than {limits.max_depth} levels: flatten the project"
    )


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


def _check_dest(dest: Path) -> Path:
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


def _write_tree(dest: Path, files: list[tuple[tuple[str, ...], bytes]]) -> None:
    """Write files below `dest` through directory fds, creating each file exclusively.

    On any failure, remove what this call created, so no half-written submission remains.
    """
    try:
        try:
            dest.mkdir(mode=0o700, parents=True)
            made_dest = True
        except FileExistsError:
            made_dest = False
        dest_fd = os.open(dest, _DIR_FLAGS)
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
            child = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
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
