"""Intake turns hostile uploads into a safe folder, or refuses them with one clear line."""

from __future__ import annotations

import gzip
import io
import os
import stat
import struct
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import GraderError, SubmissionRejected
from grader.intake import (
    IntakeLimits,
    Submission,
    collect,
    load_submission,
    submission_from_bytes,
    write,
)

MiB = 1024 * 1024

PROJECT = {
    "app.py": b"from flask import Flask\napp = Flask(__name__)\n",
    "templates/index.html": b"<h1>{{ title }}</h1>\n",
    "static/css/site.css": b"body { margin: 0 }\n",
}


# --- builders -----------------------------------------------------------------------------


def write_zip(
    path: Path,
    members: list[tuple[str | zipfile.ZipInfo, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    # zipfile warns on duplicate names; some hostile archives have them on purpose.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(path, "w", compression) as archive:
            for name, content in members:
                archive.writestr(name, content)
    return path


def tar_member(
    name: str, content: bytes = b"", *, type: bytes = tarfile.REGTYPE, linkname: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = type
    info.linkname = linkname
    info.size = len(content) if type == tarfile.REGTYPE else 0
    info.mode = 0o755 if type == tarfile.DIRTYPE else 0o644
    return info, content


def tar_bytes(members: list[tuple[tarfile.TarInfo, bytes]], *, compress: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer,
        mode="w:gz" if compress else "w",
        format=tarfile.GNU_FORMAT,
        encoding="utf-8",
        errors="surrogateescape",
    ) as archive:
        for info, content in members:
            archive.addfile(info, io.BytesIO(content) if content else None)
    return buffer.getvalue()


def write_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    path.write_bytes(tar_bytes(members, compress=path.name.endswith(("gz", ".tgz"))))
    return path


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Return every path below root with its mode, size and mtime, links not followed."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st_ = path.lstat()
            seen[str(path.relative_to(root))] = (st_.st_mode, st_.st_size, st_.st_mtime_ns)
    return seen


def tree_of(sub: Submission) -> dict[str, bytes]:
    return {rel: (sub.root / rel).read_bytes() for rel in sub.files}


# --- hostile inputs: each builder makes an input in tmp and returns its path -------------


def zip_slip(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("app.py", b"x"), ("../evil.py", b"x")])


def zip_slip_nested(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("a/../../evil.py", b"x")])


def zip_absolute(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("/etc/evil", b"x")])


def zip_drive_letter(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("C:/evil.py", b"x")])


def zip_backslash(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("..\\..\\evil.py", b"x")])


def zip_symlink(tmp: Path) -> Path:
    info = zipfile.ZipInfo("link.py")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return write_zip(tmp / "s.zip", [("app.py", b"x"), (info, b"/etc/passwd")])


def zip_fifo(tmp: Path) -> Path:
    info = zipfile.ZipInfo("pipe")
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    return write_zip(tmp / "s.zip", [(info, b"")])


def zip_encrypted(tmp: Path) -> Path:
    """Set the 'encrypted' flag in both headers (zipfile cannot write encrypted members)."""
    data = bytearray(write_zip(tmp / "s.zip", [("app.py", b"x")]).read_bytes())
    struct.pack_into("<H", data, data.index(b"PK\x03\x04") + 6, 0x1)
    struct.pack_into("<H", data, data.index(b"PK\x01\x02") + 8, 0x1)
    (tmp / "s.zip").write_bytes(bytes(data))
    return tmp / "s.zip"


def zip_bzip2(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("app.py", b"x" * 100)], zipfile.ZIP_BZIP2)


def zip_bomb(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("bomb.bin", bytes(8 * MiB))])


def zip_bomb_lying_header(tmp: Path) -> Path:
    """Claim 1000 bytes in both headers for a member that inflates to 8 MiB."""
    data = bytearray(write_zip(tmp / "s.zip", [("bomb.bin", bytes(8 * MiB))]).read_bytes())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<L", data, local + 22, 1000)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, central + 24, 1000)
    (tmp / "s.zip").write_bytes(bytes(data))
    return tmp / "s.zip"


def zip_too_many_files(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [(f"f{i}.py", b"") for i in range(1000)])


def zip_total_too_large(tmp: Path) -> Path:
    # Every member is under the per-file cap; only counting across members stops it.
    return write_zip(tmp / "s.zip", [(f"f{i}.bin", bytes(2 * MiB - 1)) for i in range(6)])


def zip_truncated(tmp: Path) -> Path:
    whole = write_zip(tmp / "whole.zip", list(PROJECT.items())).read_bytes()
    (tmp / "whole.zip").unlink()
    (tmp / "s.zip").write_bytes(whole[: len(whole) // 2])
    return tmp / "s.zip"


def zip_bad_member_data(tmp: Path) -> Path:
    data = bytearray(write_zip(tmp / "s.zip", [("app.py", os.urandom(4096))]).read_bytes())
    data[100:140] = bytes(40)  # inside the compressed data of the only member
    (tmp / "s.zip").write_bytes(bytes(data))
    return tmp / "s.zip"


def text_renamed_zip(tmp: Path) -> Path:
    path = tmp / "s.zip"
    path.write_text("this is not a zip\n")
    return path


def tar_renamed_zip(tmp: Path) -> Path:
    path = tmp / "s.zip"
    path.write_bytes(tar_bytes([tar_member("app.py", b"x")]))
    return path


def gzip_text_renamed_tgz(tmp: Path) -> Path:
    path = tmp / "s.tgz"
    path.write_bytes(gzip.compress(b"plain text, not a tar\n"))
    return path


def empty_zip(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [])


def junk_only_zip(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("__MACOSX/._app.py", b"x"), (".DS_Store", b"x")])


def zip_duplicate(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("app.py", b"one"), ("app.py", b"two")])


def zip_duplicate_after_normalising(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("app.py", b"one"), ("./app.py", b"two")])


def zip_file_and_folder(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("app", b"x"), ("app/views.py", b"y")])


def zip_too_deep(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("/".join("abcdefghijklm") + "/x.py", b"x")])


def zip_path_too_long(tmp: Path) -> Path:
    long_name = "/".join(["d" * 100] * 2) + "/" + "f" * 60
    return write_zip(tmp / "s.zip", [("app.py", b"x"), (long_name, b"x")])


def zip_name_not_utf8(tmp: Path) -> Path:
    """A name with the cp437 flag whose raw bytes are not UTF-8 either."""
    data = write_zip(tmp / "s.zip", [("cafX.py", b"x")]).read_bytes()
    (tmp / "s.zip").write_bytes(data.replace(b"cafX", b"caf\xe9"))
    return tmp / "s.zip"


def zip_name_flagged_utf8_but_not(tmp: Path) -> Path:
    data = bytearray(write_zip(tmp / "s.zip", [("cafX.py", b"x")]).read_bytes())
    struct.pack_into("<H", data, data.index(b"PK\x03\x04") + 6, 0x800)
    struct.pack_into("<H", data, data.index(b"PK\x01\x02") + 8, 0x800)
    (tmp / "s.zip").write_bytes(bytes(data).replace(b"cafX", b"caf\xff"))
    return tmp / "s.zip"


def zip_control_character(tmp: Path) -> Path:
    return write_zip(tmp / "s.zip", [("app\n.py", b"x")])


def tar_slip(tmp: Path) -> Path:
    return write_tar(tmp / "s.tar", [tar_member("../evil.py", b"x")])


def tar_absolute(tmp: Path) -> Path:
    return write_tar(tmp / "s.tar", [tar_member("/etc/cron.d/evil", b"x")])


def tar_symlink_out(tmp: Path) -> Path:
    return write_tar(
        tmp / "s.tar",
        [tar_member("app.py", b"x"), tar_member("data", type=tarfile.SYMTYPE, linkname="/etc")],
    )


def tar_symlink_then_write_through(tmp: Path) -> Path:
    return write_tar(
        tmp / "s.tar",
        [
            tar_member("escape", type=tarfile.SYMTYPE, linkname=".."),
            tar_member("escape/evil.py", b"x"),
        ],
    )


def tar_hardlink_out(tmp: Path) -> Path:
    return write_tar(
        tmp / "s.tar.gz",
        [tar_member("passwd", type=tarfile.LNKTYPE, linkname="../../etc/passwd")],
    )


def tar_char_device(tmp: Path) -> Path:
    info, _ = tar_member("null", type=tarfile.CHRTYPE)
    info.devmajor, info.devminor = 1, 3
    return write_tar(tmp / "s.tar", [(info, b"")])


def tar_fifo(tmp: Path) -> Path:
    return write_tar(tmp / "s.tar", [tar_member("pipe", type=tarfile.FIFOTYPE)])


def tar_unknown_type(tmp: Path) -> Path:
    return write_tar(tmp / "s.tar", [tar_member("vol", type=b"V")])


def tar_name_not_utf8(tmp: Path) -> Path:
    return write_tar(tmp / "s.tar", [tar_member("caf\udce9.py", b"x")])


def tar_file_too_large(tmp: Path) -> Path:
    return write_tar(tmp / "s.tgz", [tar_member("big.bin", bytes(3 * MiB))])


def tar_truncated_in_member(tmp: Path) -> Path:
    data = tar_bytes([tar_member("app.py", b"x"), tar_member("big.py", b"y" * 5000)])
    (tmp / "s.tar").write_bytes(data[: 1024 + 512 + 2000])
    return tmp / "s.tar"


def tar_truncated_after_member(tmp: Path) -> Path:
    data = tar_bytes([tar_member("app.py", b"x" * 512)])
    (tmp / "s.tar").write_bytes(data[:1024])  # one header, one data block, no end marker
    return tmp / "s.tar"


def tar_garbage_header(tmp: Path) -> Path:
    data = bytearray(tar_bytes([tar_member("app.py", b"x"), tar_member("b.py", b"y")]))
    data[1024:1536] = b"garbage!" * 64  # the second header
    (tmp / "s.tar").write_bytes(bytes(data))
    return tmp / "s.tar"


def tar_pax_header_bomb(tmp: Path) -> Path:
    """A pax header of digits: quadratic to parse on Pythons without the CVE-2024-6232 fix."""
    header, _ = tar_member("././@PaxHeader", type=tarfile.XHDTYPE)
    header.size = 256 * 1024
    return write_tar(tmp / "s.tgz", [(header, b"1" * header.size), tar_member("app.py", b"x")])


def tgz_truncated(tmp: Path) -> Path:
    data = tar_bytes([tar_member("app.py", os.urandom(20_000))], compress=True)
    (tmp / "s.tar.gz").write_bytes(data[: len(data) // 2])
    return tmp / "s.tar.gz"


def folder_with_symlink_out(tmp: Path) -> Path:
    (tmp / "secret.txt").write_text("secret")
    root = write_folder(tmp / "proj", PROJECT)
    (root / "templates" / "leak.html").symlink_to(tmp / "secret.txt")
    return root


def folder_with_symlinked_dir(tmp: Path) -> Path:
    root = write_folder(tmp / "proj", PROJECT)
    (root / "etc").symlink_to("/etc")
    return root


def folder_with_fifo(tmp: Path) -> Path:
    root = write_folder(tmp / "proj", PROJECT)
    os.mkfifo(root / "pipe")
    return root


def symlink_to_archive(tmp: Path) -> Path:
    write_zip(tmp / "real.zip", list(PROJECT.items()))
    (tmp / "s.zip").symlink_to(tmp / "real.zip")
    return tmp / "s.zip"


def fifo_input(tmp: Path) -> Path:
    os.mkfifo(tmp / "s.zip")
    return tmp / "s.zip"


def missing_input(tmp: Path) -> Path:
    return tmp / "nothing-here.zip"


def unknown_suffix(tmp: Path) -> Path:
    path = tmp / "s.rar"
    path.write_bytes(b"Rar!\x1a\x07\x00")
    return path


def binary_py(tmp: Path) -> Path:
    path = tmp / "solution.py"
    path.write_bytes(b"\x00\xff\xfe binary")
    return path


HOSTILE = [
    (zip_slip, "escapes the submission folder"),
    (zip_slip_nested, "escapes the submission folder"),
    (zip_absolute, "absolute path"),
    (zip_drive_letter, "drive letter"),
    (zip_backslash, "backslash"),
    (zip_symlink, "is a symlink"),
    (zip_fifo, "special file"),
    (zip_encrypted, "encrypted"),
    (zip_bzip2, "compression method"),
    (zip_bomb, "larger than 2 MiB"),
    (zip_bomb_lying_header, "the archive is corrupt"),
    (zip_too_many_files, "more than 200 files"),
    (zip_total_too_large, "larger than 10 MiB"),
    (zip_truncated, "the archive is corrupt"),
    (zip_bad_member_data, "the archive is corrupt"),
    (text_renamed_zip, "content is not an archive"),
    (tar_renamed_zip, "it is a tar archive"),
    (gzip_text_renamed_tgz, "does not hold a tar archive"),
    (empty_zip, "holds no files"),
    (junk_only_zip, "holds no files"),
    (zip_duplicate, "appears twice"),
    (zip_duplicate_after_normalising, "appears twice"),
    (zip_file_and_folder, "both a file and a folder"),
    (zip_too_deep, "nested deeper than 12"),
    (zip_path_too_long, "longer than 255"),
    (zip_name_not_utf8, "not valid UTF-8"),
    (zip_name_flagged_utf8_but_not, "not valid UTF-8"),
    (zip_control_character, "control character"),
    (tar_slip, "escapes the submission folder"),
    (tar_absolute, "absolute path"),
    (tar_symlink_out, "is a symlink (to '/etc')"),
    (tar_symlink_then_write_through, "is a symlink"),
    (tar_hardlink_out, "is a hard link"),
    (tar_char_device, "device node"),
    (tar_fifo, "FIFO"),
    (tar_unknown_type, "unsupported tar type"),
    (tar_name_not_utf8, "not valid UTF-8"),
    (tar_file_too_large, "larger than 2 MiB"),
    (tar_truncated_in_member, "the archive is corrupt"),
    (tar_truncated_after_member, "the archive is corrupt"),
    (tar_garbage_header, "the archive is corrupt"),
    (tgz_truncated, "the archive is corrupt"),
    (tar_pax_header_bomb, "extended (pax) headers"),
    (folder_with_symlink_out, "is a symlink"),
    (folder_with_symlinked_dir, "is a symlink"),
    (folder_with_fifo, "special file"),
    (symlink_to_archive, "is a symlink"),
    (fifo_input, "not a regular file or folder"),
    (missing_input, "does not exist"),
    (unknown_suffix, "not a supported kind of submission"),
    (binary_py, "not Python source text"),
]


@pytest.mark.parametrize(
    ("build", "fragment"), HOSTILE, ids=[build.__name__ for build, _ in HOSTILE]
)
def test_hostile_input_is_rejected_and_nothing_is_written(
    tmp_path: Path, build: Callable[[Path], Path], fragment: str
) -> None:
    source = build(tmp_path)
    before = snapshot(tmp_path)
    dest = tmp_path / "dest"

    with pytest.raises(SubmissionRejected) as caught:
        load_submission(source, dest)

    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert caught.value.exit_code == 2
    assert not dest.exists()
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("build", "fragment"),
    [(zip_slip, "escapes"), (zip_symlink, "symlink"), (tar_hardlink_out, "hard link")],
)
def test_uploaded_bytes_are_checked_like_files(
    tmp_path: Path, build: Callable[[Path], Path], fragment: str
) -> None:
    source = build(tmp_path)
    with pytest.raises(SubmissionRejected, match=fragment):
        submission_from_bytes(source.name, source.read_bytes(), tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_zip_slip_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SubmissionRejected, match=r"entry '\.\./evil\.py' escapes"):
        load_submission(zip_slip(tmp_path), tmp_path / "dest")


def test_symlink_out_of_folder_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SubmissionRejected, match=r"'templates/leak\.html' is a symlink"):
        load_submission(folder_with_symlink_out(tmp_path), tmp_path / "dest")


def test_zip_bomb_is_stopped_at_the_cap_even_when_its_header_lies(tmp_path: Path) -> None:
    limits = IntakeLimits(max_file_bytes=64 * 1024, max_total_bytes=64 * 1024)
    honest = write_zip(tmp_path / "honest.zip", [("bomb.bin", bytes(8 * MiB))])
    with pytest.raises(SubmissionRejected, match="larger than 64 KiB"):
        load_submission(honest, tmp_path / "d1", limits=limits)
    with pytest.raises(SubmissionRejected, match="corrupt"):
        load_submission(zip_bomb_lying_header(tmp_path), tmp_path / "d2", limits=limits)


def test_size_caps_count_the_streamed_bytes_not_the_declared_size() -> None:
    # A decoder that yields more than the header declared (the lie zipfile happens to catch
    # by CRC) is still stopped at the cap, having produced barely more than the cap.
    limits = IntakeLimits(max_file_bytes=256 * 1024)
    collector = collect.Collector(limits, from_archive=True)
    produced = []

    def endless_zeros(n: int) -> bytes:
        produced.append(n)
        return bytes(n)

    with pytest.raises(SubmissionRejected, match="larger than 256 KiB"):
        collector.add_file(("bomb.bin",), "bomb.bin", endless_zeros, size=10)
    assert sum(produced) <= limits.max_file_bytes + 64 * 1024


def test_corrupt_archive_error_keeps_its_cause(tmp_path: Path) -> None:
    with pytest.raises(SubmissionRejected) as caught:
        load_submission(zip_bad_member_data(tmp_path), tmp_path / "dest")
    assert caught.value.__cause__ is not None


def test_junk_entries_do_not_count_against_the_file_limit_but_entries_are_bounded(
    tmp_path: Path,
) -> None:
    members = [(f"node_modules/m{i}.js", b"") for i in range(300)] + [("app.py", b"x")]
    source = write_zip(tmp_path / "s.zip", members)
    assert load_submission(source, tmp_path / "d1").files == ("app.py",)
    with pytest.raises(SubmissionRejected, match="more than 100 entries"):
        load_submission(source, tmp_path / "d2", limits=IntakeLimits(max_entries=100))


def test_zip_with_a_huge_directory_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_zip(tmp_path / "s.zip", [(f"{i:0>200}.py", b"") for i in range(50)])

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the central directory was parsed")

    monkeypatch.setattr(zipfile, "ZipFile", must_not_parse)
    with pytest.raises(SubmissionRejected, match="more than 5 entries"):
        load_submission(source, tmp_path / "dest", limits=IntakeLimits(max_entries=5))


def test_tar_stream_is_capped_while_decompressing(tmp_path: Path) -> None:
    # Junk is never written, but skipping it in a gzip stream means inflating it.
    source = write_tar(
        tmp_path / "s.tgz", [tar_member("app.py", b"x"), tar_member(".git/pack", bytes(MiB))]
    )
    limits = IntakeLimits(max_archive_bytes=512 * 1024)
    with pytest.raises(SubmissionRejected, match="larger than 512 KiB uncompressed"):
        load_submission(source, tmp_path / "dest", limits=limits)


# --- what intake accepts ------------------------------------------------------------------


@pytest.fixture
def project_sources(tmp_path: Path) -> dict[str, Path]:
    """Build the same project as a folder and as every archive kind (wrapped in a folder)."""
    folder = write_folder(tmp_path / "proj", PROJECT)
    wrapped = [(f"proj/{rel}", content) for rel, content in PROJECT.items()]
    sources = {"folder": folder, "zip": write_zip(tmp_path / "proj.zip", wrapped)}
    for suffix in (".tar", ".tar.gz", ".tgz"):
        path = tmp_path / f"proj{suffix}"
        with tarfile.open(path, "w:gz" if "gz" in suffix else "w") as archive:
            archive.add(folder, arcname="proj")
        sources[suffix] = path
    return sources


def test_same_project_gets_the_same_id_whatever_the_packaging(
    tmp_path: Path, project_sources: dict[str, Path]
) -> None:
    subs = {
        kind: load_submission(source, tmp_path / f"dest-{kind.strip('.')}")
        for kind, source in project_sources.items()
    }

    assert len({sub.sha256 for sub in subs.values()}) == 1
    for sub in subs.values():
        assert sub.files == tuple(sorted(PROJECT))
        assert tree_of(sub) == PROJECT


def test_different_content_gets_a_different_id(tmp_path: Path) -> None:
    one = load_submission(write_folder(tmp_path / "a", {"ab": b"c"}), tmp_path / "d1")
    two = load_submission(write_folder(tmp_path / "b", {"a": b"bc"}), tmp_path / "d2")
    assert one.sha256 != two.sha256


def test_submission_is_written_only_below_dest_as_plain_files(tmp_path: Path) -> None:
    dest = tmp_path / "work" / "dest"
    sub = load_submission(write_zip(tmp_path / "s.zip", list(PROJECT.items())), dest)

    assert sub.root == dest
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    on_disk = snapshot(dest)
    assert {rel for rel, (mode, _, _) in on_disk.items() if stat.S_ISREG(mode)} == set(PROJECT)
    assert all(stat.S_ISREG(mode) or stat.S_ISDIR(mode) for mode, _, _ in on_disk.values())
    assert stat.S_IMODE((dest / "app.py").stat().st_mode) == 0o644
    assert sub.source_name == "s.zip"


def test_existing_empty_dest_is_used_and_a_non_empty_one_refused(tmp_path: Path) -> None:
    source = write_folder(tmp_path / "proj", PROJECT)
    (tmp_path / "empty").mkdir()
    assert load_submission(source, tmp_path / "empty").root == tmp_path / "empty"

    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(GraderError, match="not empty") as caught:
        load_submission(source, tmp_path / "full")
    assert not isinstance(caught.value, SubmissionRejected)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_failed_write_leaves_no_partial_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_folder(tmp_path / "proj", PROJECT)
    real_write_file = write._write_file
    calls = []

    def write_then_fail(*args: object) -> None:
        calls.append(args)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_write_file(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(write, "_write_file", write_then_fail)
    with pytest.raises(GraderError, match="No space left on device"):
        load_submission(source, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()

    (tmp_path / "empty").mkdir()
    calls.clear()
    with pytest.raises(GraderError):
        load_submission(source, tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []


def test_junk_is_skipped_quietly(tmp_path: Path) -> None:
    junk = [
        ("__MACOSX/proj/._app.py", b"x"),
        ("proj/.DS_Store", b"x"),
        ("proj/__pycache__/app.cpython-311.pyc", b"x"),
        ("proj/models.pyc", b"x"),
        ("proj/.git/HEAD", b"ref: refs/heads/main"),
        ("proj/venv/bin/activate", b"x"),
        ("proj/node_modules/left-pad/index.js", b"x"),
        ("proj/._app.py", b"x"),
    ]
    members = [(f"proj/{rel}", content) for rel, content in PROJECT.items()]
    source = write_zip(tmp_path / "s.zip", junk + members)

    assert load_submission(source, tmp_path / "dest").files == tuple(sorted(PROJECT))


def test_symlinks_inside_a_virtualenv_are_skipped_not_rejected(tmp_path: Path) -> None:
    source = write_tar(
        tmp_path / "s.tgz",
        [
            tar_member("app.py", b"x"),
            tar_member(".venv/bin/python", type=tarfile.SYMTYPE, linkname="/usr/bin/python3"),
        ],
    )
    folder = write_folder(tmp_path / "proj", {"app.py": b"x"})
    (folder / ".venv").mkdir()
    (folder / ".venv" / "python").symlink_to("/usr/bin/python3")

    assert load_submission(source, tmp_path / "d1").files == ("app.py",)
    assert load_submission(folder, tmp_path / "d2").files == ("app.py",)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["proj/app.py", "proj/templates/a.html"], ("app.py", "templates/a.html")),
        (["proj/app.py", "README.md"], ("README.md", "proj/app.py")),
        (["proj/app.py", "other/app.py"], ("other/app.py", "proj/app.py")),
        (["app.py"], ("app.py",)),
        (["__MACOSX/._proj", "proj/app.py"], ("app.py",)),
        # A wrapping package is the project itself: its name is the import path.
        (["flaskr/__init__.py", "flaskr/db.py"], ("flaskr/__init__.py", "flaskr/db.py")),
    ],
)
def test_single_top_folder_is_stripped(
    tmp_path: Path, names: list[str], expected: tuple[str, ...]
) -> None:
    source = write_zip(tmp_path / "s.zip", [(name, b"x") for name in names])
    assert load_submission(source, tmp_path / "dest").files == expected


def test_folder_input_keeps_its_single_subfolder(tmp_path: Path) -> None:
    source = write_folder(tmp_path / "proj", {"pkg/app.py": b"x"})
    assert load_submission(source, tmp_path / "dest").files == ("pkg/app.py",)


def test_single_py_file_is_accepted_under_its_own_name(tmp_path: Path) -> None:
    path = tmp_path / "solution.py"
    path.write_bytes(PROJECT["app.py"])

    sub = load_submission(path, tmp_path / "dest")

    assert sub.files == ("solution.py",)
    assert (sub.root / "solution.py").read_bytes() == PROJECT["app.py"]
    assert sub.source_name == "solution.py"


def test_py_file_with_a_coding_cookie_is_accepted(tmp_path: Path) -> None:
    content = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    sub = submission_from_bytes("solution.py", content, tmp_path / "dest")
    assert sub.files == ("solution.py",)


def test_upload_name_keeps_only_its_last_component(tmp_path: Path) -> None:
    data = (write_zip(tmp_path / "s.zip", list(PROJECT.items()))).read_bytes()
    sub = submission_from_bytes("C:\\Users\\me\\..\\project.zip", data, tmp_path / "dest")
    assert sub.source_name == "project.zip"
    assert sub.files == tuple(sorted(PROJECT))


def test_utf8_names_without_the_zip_flag_are_recovered(tmp_path: Path) -> None:
    # Written as ASCII placeholders (no flag), then patched to raw UTF-8 of the same length.
    raw = "résumé.py".encode()
    data = write_zip(tmp_path / "t.zip", [("r" * len(raw), b"x")]).read_bytes()
    (tmp_path / "t.zip").write_bytes(data.replace(b"r" * len(raw), raw))

    assert load_submission(tmp_path / "t.zip", tmp_path / "dest").files == ("résumé.py",)


def test_unicode_names_round_trip(tmp_path: Path) -> None:
    files = {"vues/café.py": b"x", "日本/データ.txt": b"y"}
    folder = write_folder(tmp_path / "proj", files)
    with tarfile.open(tmp_path / "s.tar", "w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(folder, arcname="proj")
    subs = [
        load_submission(folder, tmp_path / "d1"),
        load_submission(write_zip(tmp_path / "s.zip", list(files.items())), tmp_path / "d2"),
        load_submission(tmp_path / "s.tar", tmp_path / "d3"),
    ]
    assert {sub.files for sub in subs} == {tuple(sorted(files))}
    assert len({sub.sha256 for sub in subs}) == 1


# --- properties ---------------------------------------------------------------------------

SMALL = IntakeLimits(
    max_files=8, max_file_bytes=2000, max_total_bytes=6000, max_depth=4, max_path_len=60
)

# Archives mix plausible members (so that many are accepted and their trees checked) with a
# few wild ones: hostile names, arbitrary text, links and special files.
plausible_parts = st.sampled_from(
    ["a", "b", "app.py", "templates", "index.html", "é.py", "日本", "__MACOSX", ".git", "x.pyc"]
)
hostile_parts = st.sampled_from(["..", ".", "", "C:", "x\\y", "\udcff", "a\nb", "d" * 70])
plausible_names = st.lists(plausible_parts, min_size=1, max_size=4).map("/".join)
wild_names = st.builds(
    lambda absolute, parts: ("/" if absolute else "") + "/".join(parts),
    st.booleans(),
    st.lists(st.one_of(plausible_parts, hostile_parts, st.text(max_size=4)), max_size=5),
)
sizes = st.integers(0, 2500)
link_targets = st.sampled_from(["", "app.py", "../x", "/etc/passwd", ".", "a/b"])
plausible_members = st.tuples(
    plausible_names,
    st.sampled_from([tarfile.REGTYPE] * 4 + [tarfile.DIRTYPE]),
    st.sampled_from([0, stat.S_IFREG | 0o644, stat.S_IFDIR | 0o755]),
    sizes,
    st.just(""),
)
wild_members = st.tuples(
    st.one_of(plausible_names, wild_names),
    st.sampled_from(
        [
            *(tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE),
            *(tarfile.CHRTYPE, tarfile.FIFOTYPE, tarfile.CONTTYPE, b"V"),
        ]
    ),
    st.sampled_from(
        [0, stat.S_IFREG | 0o644, stat.S_IFDIR | 0o755, stat.S_IFLNK | 0o777, stat.S_IFIFO]
    ),
    sizes,
    link_targets,
)
members = st.builds(
    lambda plausible, wild: plausible + wild,
    st.lists(plausible_members, max_size=5),
    st.lists(wild_members, max_size=2),
)


def build_archive(kind: str, entries: list) -> bytes:
    if kind == "zip":
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, _, mode, size, _ in entries:
                    try:
                        name.encode("utf-8")
                    except UnicodeEncodeError:
                        continue  # zipfile cannot write these; tar covers them
                    info = zipfile.ZipInfo(name)
                    info.create_system = 3
                    info.external_attr = mode << 16
                    archive.writestr(info, bytes(size))
        return buffer.getvalue()
    tar_entries = []
    for name, type_, _, size, linkname in entries:
        info, content = tar_member(name, bytes(size), type=type_, linkname=linkname)
        tar_entries.append((info, content))
    return tar_bytes(tar_entries, compress=kind == "tar.gz")


def check_outcome(data: bytes, name: str) -> None:
    """Intake returns a safe tree below dest or raises SubmissionRejected: nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "outside.txt").write_text("untouched")
        dest = base / "dest"
        try:
            sub = submission_from_bytes(name, data, dest, limits=SMALL)
        except SubmissionRejected:
            assert not dest.exists()
        else:
            real_dest = dest.resolve()
            on_disk = snapshot(dest)
            files = {rel for rel, (mode, _, _) in on_disk.items() if not stat.S_ISDIR(mode)}
            assert files == set(sub.files)
            for rel in sub.files:
                path = dest / rel
                assert stat.S_ISREG(path.lstat().st_mode)
                assert path.resolve().is_relative_to(real_dest)
            assert len(sub.files) <= SMALL.max_files
        assert set(os.listdir(base)) <= {"outside.txt", "dest"}
        assert (base / "outside.txt").read_text() == "untouched"


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(kind=st.sampled_from(["zip", "tar", "tar.gz"]), entries=members)
def test_random_archives_give_a_safe_tree_or_a_rejection(kind: str, entries: list) -> None:
    check_outcome(build_archive(kind, entries), f"upload.{kind}")


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["zip", "tar", "tar.gz"]),
    cut=st.integers(0, 4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=4),
)
def test_damaged_archives_give_a_safe_tree_or_a_rejection(
    kind: str, cut: int, flips: list[tuple[int, int]]
) -> None:
    entries = [
        ("proj/app.py", tarfile.REGTYPE, 0, 300, ""),
        ("proj/templates/index.html", tarfile.REGTYPE, 0, 200, ""),
    ]
    data = bytearray(build_archive(kind, entries))
    for offset, value in flips:
        data[offset % len(data)] = value
    check_outcome(bytes(data[: len(data) - cut % len(data)]), f"upload.{kind}")
