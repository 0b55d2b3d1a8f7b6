"""Collect the entries of a zip archive: only stored or deflated regular files and folders."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from typing import BinaryIO

from grader.errors import SubmissionRejected
from grader.intake.collect import CORRUPT, Collector, corrupt
from grader.intake.names import JUNK_HINT, is_junk, show, split_name

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


def collect_zip(fileobj: BinaryIO, collector: Collector) -> None:
    """Collect the entries of the zip archive in `fileobj`."""
    limits = collector.limits
    try:
        directory_bytes = _zip_directory_size(fileobj)
    except CORRUPT as e:
        raise corrupt(e) from e
    if directory_bytes > limits.max_entries * _ZIP_DIR_BYTES_PER_ENTRY:
        raise SubmissionRejected(
            f"the submission has more than {limits.max_entries} entries: leave out "
            f"dependencies and generated files ({JUNK_HINT} included)"
        )
    try:
        archive = zipfile.ZipFile(fileobj)
    except UnicodeDecodeError as e:
        # Raised for names flagged UTF-8 (bit 11) that are not.
        raise SubmissionRejected(
            "the archive has an entry whose name is not valid UTF-8: rename it"
        ) from e
    except CORRUPT as e:
        raise corrupt(e) from e
    with archive:
        for info in archive.infolist():
            collector.count_entry()
            name = _zip_name(info)
            collector.check_name_length(name)
            parts = split_name(name)
            if parts and is_junk(parts):
                continue
            file_type = stat.S_IFMT(info.external_attr >> 16)
            if file_type == stat.S_IFLNK:
                raise SubmissionRejected(
                    f"entry {show(name)} is a symlink: symlinks are not accepted, put the "
                    "file itself in the archive"
                )
            if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise SubmissionRejected(
                    f"entry {show(name)} is a special file: only regular files and folders "
                    "are accepted"
                )
            if name.endswith("/") or file_type == stat.S_IFDIR:
                collector.add_dir(parts)
                continue
            if info.flag_bits & _ZIP_ENCRYPTED:
                raise SubmissionRejected(
                    f"entry {show(name)} is encrypted: re-create the archive without a password"
                )
            if info.compress_type not in _ZIP_METHODS:
                raise SubmissionRejected(
                    f"entry {show(name)} uses compression method {info.compress_type}: "
                    "re-create the archive with standard (deflate) compression"
                )
            try:
                member = archive.open(info)
            except CORRUPT as e:
                raise corrupt(e, name) from e
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
            f"entry {show(name)} has a name that is not valid UTF-8: rename it or re-create "
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
    directory_bytes: int = _ZIP_EOCD.unpack(end)[5]
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
