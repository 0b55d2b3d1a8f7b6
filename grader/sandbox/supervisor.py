"""In-sandbox supervisor: serves the candidate's app, runs the hidden suite, reports back.

Runs inside the container as root with only SETUID, SETGID, CHOWN and KILL, as PID 1's only
child. It must stay stdlib-only: it is copied into the image as a lone script. It never reads
anything the candidate can write; the host reads its report and the suite's results from
folders the candidate cannot write.

The same script runs "bare" (``--bare ROOT``) on the host for authoring and benchmarks: same
steps, same files, no user switching. Bare mode is never used for candidates' code.

It may start before its job arrives (a warm sandbox): it starts two fork servers (``zygote.py``)
that import what every run needs (Flask and the WSGI server; pytest and the plugin), forks slot
0's app and suite from them as its own user, then waits for ``in/go``, the payload's last entry,
and hands each child its orders. A cold run is the same path with the job already there.

One container may grade several challenges of the same candidate (an assessment): each is a
*slot* with its own folders, its own pair of users, its own app on its own Unix socket, its own
suite, limits and deadline, and its own report in ``out/<slot>/`` (slot 0's at the top of each
folder, where a single grading's always were). Slots run ``concurrency`` at a time; slot 0's
children start before the job, as a single grading's do (it is slot 0 of one).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import queue
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CANDIDATE_UID = 10001
GRADER_UID = 10002
# A container of several slots gets a base of its own from the host (``--uid-base``): slot i's
# users are base + i * SLOT_UID_STRIDE and one more, so a slot's app cannot signal, trace or
# read another slot's processes and files, nor another slot's suite reach its app's socket;
# and, the uids being the container's own, each slot's app can be held to its own process count
# (RLIMIT_NPROC counts a uid's processes in every container of the host: the fixed uids of
# single gradings are shared by all of them, so those rely on the container's pids limit).
SLOT_UID_STRIDE = 100
SLOTS_MAX = 16
RUN_FILE = "run.json"  # the payload's list of slots and how many run at once
APP_SOCKET_PERMS = "666"  # the socket's folder is the gate (see Layout.app_socket)
PLUGIN = "grader.testkit.plugin"
CONTAINER_LIB = "/opt/grader/lib"
REPORT_SCHEMA = "grader.supervisor/1"
APP_LOG_CAP = 1 << 20  # until the job names its own cap
GO_FILE = "go"  # the payload's last entry: once it exists, the whole job does
JOB_WAIT_S = 600.0  # a warm supervisor whose job never comes ends on its own
APP_PRELOAD = ("flask", "waitress.runner")
SUITE_PRELOAD = ("pytest", PLUGIN)
ZYGOTE_PATH = Path(__file__).with_name("zygote.py")  # the fork server, copied beside us
SPAWN_TIMEOUT_S = 30.0  # a fork server still importing answers once it is done
# Built-in plugins a hidden suite never needs; each costs time on every run (the two
# *exception plugins turn stray exceptions into warnings, after five full gc passes at exit).
UNUSED_PYTEST_PLUGINS = [
    "-p", "no:cacheprovider", "-p", "no:doctest", "-p", "no:pastebin",
    "-p", "no:stepwise", "-p", "no:setuponly", "-p", "no:setupplan", "-p", "no:junitxml",
    "-p", "no:unraisableexception", "-p", "no:threadexception",
]  # fmt: skip


def slot_prefix(index: int) -> str:
    """Where slot ``index``'s files are, relative to each root: slot 0's at the top."""
    return f"{index}/" if index else ""


@dataclass(frozen=True)
class Layout:
    """Where everything lives; the same shape in the container and in a bare run."""

    in_dir: Path
    out_dir: Path
    candidate_root: Path
    grader_root: Path

    @classmethod
    def under(cls, root: Path) -> Layout:
        return cls(root / "in", root / "out", root / "candidate", root / "grader")

    @property
    def results_dir(self) -> Path:
        return self.out_dir / "results"

    @property
    def app_dir(self) -> Path:
        return self.candidate_root / "app"

    @property
    def tests_dir(self) -> Path:
        return self.grader_root / "tests"

    @property
    def source_dir(self) -> Path:
        return self.grader_root / "source"

    @property
    def app_socket(self) -> Path:
        """Where the app listens: a Unix socket in a folder only this slot's two users enter,
        so no other slot's app or suite can reach it (loopback ports are shared by all)."""
        return self.candidate_root / "run" / "app.sock"

    def slot(self, index: int) -> Layout:
        """The layout of one slot. Slot 0's is the run's own (a single grading keeps the paths
        it always had); slot i's is the same shape under a folder ``i`` of each root."""
        if index == 0:
            return self
        name = slot_prefix(index).rstrip("/")
        return Layout(
            self.in_dir / name,
            self.out_dir / name,
            self.candidate_root / name,
            self.grader_root / name,
        )

    @property
    def app_files_socket(self) -> Path:
        """Where hidden tests ask for the app's files (short: AF_UNIX paths are <108 bytes)."""
        return self.grader_root / "app-files" / "sock"


CONTAINER_LAYOUT = Layout(
    Path("/in"), Path("/out"), Path("/sandbox/candidate"), Path("/sandbox/grader")
)


@dataclass(frozen=True)
class Identity:
    """A uid/gid the supervisor runs a child as (None: stay who we are, in bare mode)."""

    uid: int | None
    gid: int | None

    @classmethod
    def pair(cls, slot: int, *, bare: bool, uid_base: int | None) -> tuple[Identity, Identity]:
        """Slot ``slot``'s candidate and grader users (both None in bare mode): the image's
        ``candidate`` and ``grader`` without a base (a single grading), else the base's."""
        if bare:
            return cls(None, None), cls(None, None)
        candidate = CANDIDATE_UID if uid_base is None else uid_base + slot * SLOT_UID_STRIDE
        grader = GRADER_UID if uid_base is None else candidate + 1
        return cls(candidate, candidate), cls(grader, grader)

    def spawn(
        self,
        command: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        umask: int = -1,
    ) -> subprocess.Popen[bytes]:
        """Start ``command`` as this identity in its own session, output piped, fds 0-2 only;
        stdin is a pipe the supervisor writes the child's orders to, then closes."""
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            close_fds=True,
            start_new_session=True,
            user=self.uid,
            group=self.gid,
            extra_groups=[] if self.uid is not None else None,
            umask=umask,  # -1 and None are Popen's own defaults
        )

    def owns(self, path: Path, mode: int) -> None:
        """Set mode, then owner: without CAP_FOWNER root cannot chmod what it gave away."""
        os.chmod(path, mode, follow_symlinks=False)
        if self.uid is not None:
            # -1 leaves the group as it is, as a gid of None does in spawn
            gid = -1 if self.gid is None else self.gid
            os.chown(path, self.uid, gid, follow_symlinks=False)


def _copy_tree(
    src: Path,
    dst: Path,
    owner: Identity,
    dir_mode: int,
    file_mode: int,
    top_mode: int | None = None,
) -> None:
    """Copy regular files and folders only; nothing under dst exists or runs yet, so no race."""
    dst.mkdir(mode=0o700)
    for entry in sorted(os.scandir(src), key=lambda e: e.name):
        target = dst / entry.name
        if entry.is_dir(follow_symlinks=False):
            _copy_tree(Path(entry.path), target, owner, dir_mode, file_mode)
        elif entry.is_file(follow_symlinks=False):
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with (
                open(entry.path, "rb") as fin,
                os.fdopen(os.open(target, flags, 0o600), "wb") as fout,
            ):
                while chunk := fin.read(1 << 16):
                    fout.write(chunk)
                # pytest trusts the suite's shipped bytecode only for a source of the same mtime
                fout.flush()
                mtime_ns = entry.stat(follow_symlinks=False).st_mtime_ns
                os.utime(fout.fileno(), ns=(mtime_ns, mtime_ns))
            owner.owns(target, file_mode)
    owner.owns(dst, dir_mode if top_mode is None else top_mode)


def _private_dir(path: Path, owner: Identity, mode: int = 0o700) -> Path:
    path.mkdir(mode=0o700, parents=False, exist_ok=False)
    owner.owns(path, mode)
    return path


def _private_file(path: Path, mode: str = "wb") -> Any:
    """A new file only root (in a bare run, the author) may read: out/ holds the suite's output
    and the app's log, which no candidate process may read, its own slot's or another's."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), mode)


class CappedLog:
    """Drain a child's output into a file, keeping at most ``cap`` bytes; never blocks the child.

    Next to the log, ``<log>.times`` says when each part of it was read: one line per record,
    ``first last offset length`` (CLOCK_MONOTONIC seconds, which the container and the suite
    share; byte offset and length in the kept log). The host cuts from it what the app wrote
    while a visible test's request was served, so that the candidate sees that traceback and
    never the log of a hidden request. Reads within ``COALESCE_S`` of a record's first read
    join it; past ``MAX_TIMES`` records, or when a record is lost with the drain, the rest of
    the log has no time and is never cut for anyone.
    """

    TIMES_SUFFIX = ".times"
    MAX_TIMES = 20000  # records; about 40 bytes each
    COALESCE_S = 0.001

    def __init__(self, stream: io.BufferedIOBase, path: Path, cap: int) -> None:
        self.kept = 0
        self.dropped = 0
        self.path = path
        self.cap = cap  # may be lowered once the job names its own
        self._stream = stream
        self._lock = threading.Lock()
        self._file = _private_file(path)  # closed by the drain thread
        times_path = path.with_name(path.name + self.TIMES_SUFFIX)
        self._times = _private_file(times_path, "w")  # closed as _file is
        self._record: list[float] | None = None  # first, last, offset, length: not yet written
        self._records = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def write(self, chunk: bytes) -> None:
        """Keep ``chunk`` within the cap; set-up steps write here before the app's output."""
        with self._lock:
            keep = chunk[: max(0, self.cap - self.kept)]
            if keep and not self._file.closed:
                self._file.write(keep)
                self._file.flush()
                self._note_time(time.monotonic(), self.kept, len(keep))
            self.kept += len(keep)
            self.dropped += len(chunk) - len(keep)

    def _note_time(self, now: float, offset: int, length: int) -> None:
        """Add a kept chunk to the current record, or write that record and start another."""
        record = self._record
        if record is not None and now - record[0] < self.COALESCE_S:
            record[1] = now
            record[3] += length
            return
        self._write_record()
        if self._records < self.MAX_TIMES:
            self._record = [now, now, offset, length]

    def _write_record(self) -> None:
        record, self._record = self._record, None
        if record is None or self._times.closed:
            return
        first, last, offset, length = record
        self._times.write(f"{first:.6f} {last:.6f} {int(offset)} {int(length)}\n")
        self._times.flush()
        self._records += 1

    def _drain(self) -> None:
        try:
            while chunk := self._stream.read1(1 << 16):
                self.write(chunk)
        except (OSError, ValueError):
            pass  # the child's end closed abruptly: what was read is kept
        finally:
            with self._lock:
                self._file.close()
                with contextlib.suppress(OSError):
                    self._write_record()
                self._times.close()

    def finish(self, timeout: float = 1.0) -> None:
        self._thread.join(timeout)

    def tail(self, limit: int = 4000) -> str:
        self.finish(0.2)
        try:
            data = self.path.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")


# The candidate's processes run at the lowest CPU priority, with bounded files: the niceness
# keeps the hidden suite (and the supervisor) runnable when the app spins or forks until the
# pids limit: without it a fork bomb starves pytest past its deadline. The candidate cannot
# raise it back (no CAP_SYS_NICE).
CANDIDATE_NICENESS = 19
CANDIDATE_RLIMITS = (("RLIMIT_CORE", 0), ("RLIMIT_FSIZE", 64 << 20), ("RLIMIT_NOFILE", 256))
# The same limits for a process the supervisor starts itself (a set-up step): a preexec_fn is
# not safe once threads run, so a small stdlib-only Python applies them and becomes the
# command, as a shell would report a command it cannot run (exit 127).
LIMITED_EXEC = f"""
import os, resource, sys
os.nice({CANDIDATE_NICENESS})
for limit, value in {CANDIDATE_RLIMITS!r}:
    resource.setrlimit(getattr(resource, limit), (value, value))
try:
    os.execvp(sys.argv[1], sys.argv[1:])
except OSError as exc:
    print(f"{{sys.argv[1]}}: {{exc.strerror}}", file=sys.stderr, flush=True)
    sys.exit(127)
"""


# What a candidate's app takes before its code runs: niceness and resource limits (above), and
# the top OOM score, so that when a slot's memory runs out the kernel kills candidates'
# processes before suites or the supervisor (raising one's own score needs no privilege).
CANDIDATE_LIMITS = {"nice": CANDIDATE_NICENESS, "rlimits": CANDIDATE_RLIMITS, "oom_score_adj": 1000}
SO_ACCEPTCON = 0x10000  # /proc/net/unix's flag of a listening socket


def _listening(path: Path) -> bool:
    """Whether a socket listens at ``path``.

    In the container the supervisor cannot enter the socket's folder (it has no
    DAC_OVERRIDE, by design), so it reads the kernel's table of Unix sockets instead;
    where there is none (a bare run off Linux) it connects.
    """
    wanted = str(path)
    try:
        with open("/proc/net/unix", encoding="utf-8", errors="replace") as table:
            next(table, None)
            for line in table:
                fields = line.split(None, 7)  # Num RefCount Protocol Flags Type St Inode Path
                named = len(fields) == 8 and fields[7].rstrip("\n") == wanted
                if named and int(fields[3], 16) & SO_ACCEPTCON:
                    return True
        return False
    except FileNotFoundError:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.2)
            return probe.connect_ex(wanted) == 0


def _app_orders(
    entry: dict[str, Any] | str, app_socket: Path, cwd: Path, env: dict[str, str]
) -> dict[str, Any]:
    """The app zygote's orders: waitress serving ``module:attribute``, called first if a factory.

    The host parsed and checked the manifest's entry; the job carries it as JSON (``module``,
    ``attribute``, ``call``, ``args``, ``kwargs``): nothing here evaluates it. A job from an
    older host names it as a string, ``module:attr`` or ``module:factory()`` only.
    """
    if isinstance(entry, str):
        target = entry.strip()
        called = target.endswith("()")
        module, _, attribute = target.removesuffix("()").partition(":")
        entry = {"module": module, "attribute": attribute, "call": called, "args": [], "kwargs": {}}
    args = [
        f"--unix-socket={app_socket}", f"--unix-socket-perms={APP_SOCKET_PERMS}",
        "--threads=8", "--ident=app",
    ]  # fmt: skip
    orders = _orders("waitress", [*args, f"{entry['module']}:{entry['attribute']}"], cwd, env)
    if entry.get("call"):
        orders["call"] = {
            "args": list(entry.get("args") or []),
            "kwargs": dict(entry.get("kwargs") or {}),
        }
    return orders


class ForkedChild:
    """A child forked by a fork server: what the supervisor uses of a Popen, over the channel.

    It is the server's child, not ours: the server says when it ended and keeps it unreaped
    (its id taken) until ``wait`` asks for the reap, so that killing its group stays safe.
    """

    def __init__(
        self, server: ForkServer, pid: int, stdin: io.BufferedWriter, stdout: io.BufferedReader
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None
        self._server = server
        self._ended = threading.Event()
        self._status = -signal.SIGKILL
        self._lost = False  # the server died: nothing will be reaped through it

    def end(self, status: int, *, lost: bool = False) -> None:
        """Called by the channel's listener when the server says this child ended."""
        self._status, self._lost = status, lost
        self._ended.set()

    def ended(self, timeout_s: float = 0.0) -> bool:
        return self._ended.wait(timeout_s) if timeout_s > 0 else self._ended.is_set()

    def poll(self) -> int | None:
        return self.wait() if self._ended.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
        if self.returncode is None:
            if not self._lost:
                self._server.reap(self.pid)
            self.returncode = self._status
        return self.returncode


Child = subprocess.Popen[bytes] | ForkedChild


class ForkServer:
    """The supervisor's end of one ``zygote.py`` fork server (see that module's protocol)."""

    def __init__(self, preload: tuple[str, ...], env: dict[str, str], cwd: Path) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            # Not a session of its own: a bare run's supervisor takes its servers when killed.
            self.process = subprocess.Popen(
                [sys.executable, "-s", "-P", str(ZYGOTE_PATH), str(theirs.fileno()), *preload],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                env=env,
                cwd=cwd,
            )
        self._control = ours
        self._sending = threading.Lock()  # one request, and so one reply, at a time
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._table = threading.Lock()
        self._children: dict[int, ForkedChild] = {}
        self._early: dict[int, int] = {}  # ended before the spawner had its child
        threading.Thread(target=self._listen, name="fork-server", daemon=True).start()

    def spawn(
        self,
        identity: Identity,
        *,
        cwd: Path,
        env: dict[str, str],
        umask: int,
        limits: dict[str, Any] | None = None,
    ) -> ForkedChild:
        """Fork a child as ``identity`` that waits for its orders on its stdin; its output
        (stdout and stderr) is ours to read. Raises OSError if the server cannot."""
        request = {
            "op": "spawn",
            "uid": identity.uid,
            "gid": identity.gid,
            "umask": umask,
            "limits": limits,
            "cwd": str(cwd),
            "env": env,
        }
        stdin_read, stdin_write = os.pipe()
        output_read, output_write = os.pipe()
        try:
            with self._sending:
                socket.send_fds(
                    self._control, [json.dumps(request).encode()], [stdin_read, output_write]
                )
                reply = self._replies.get(timeout=SPAWN_TIMEOUT_S)
        except (OSError, queue.Empty):
            reply = {"error": "the fork server did not answer"}
        finally:
            os.close(stdin_read)
            os.close(output_write)
        if "spawned" not in reply:
            os.close(stdin_write)
            os.close(output_read)
            raise OSError(str(reply.get("error", "the fork server failed")))
        pid = int(reply["spawned"])
        child = ForkedChild(self, pid, os.fdopen(stdin_write, "wb"), os.fdopen(output_read, "rb"))
        with self._table:
            self._children[pid] = child
            early = self._early.pop(pid, None)
        if early is not None:
            child.end(early)
        return child

    def reap(self, pid: int) -> None:
        with self._sending, contextlib.suppress(OSError):
            self._control.send(json.dumps({"op": "reap", "pid": pid}).encode())
        with self._table:
            self._children.pop(pid, None)

    def _listen(self) -> None:
        while True:
            try:
                data = self._control.recv(1 << 16)
                message = json.loads(data) if data else None
            except (OSError, ValueError):
                message = None
            if not isinstance(message, dict):
                break
            if "exited" not in message:
                self._replies.put(message)
                continue
            pid, status = int(message["exited"]), int(message["status"])
            with self._table:
                child = self._children.get(pid)
                if child is None:
                    self._early[pid] = status
            if child is not None:
                child.end(status)
        # The server is gone (it never should be): nothing will say when the rest end.
        with self._table:
            orphans = list(self._children.values())
        for child in orphans:
            child.end(-signal.SIGKILL, lost=True)
        self._replies.put({"error": "the fork server ended"})


@dataclass(frozen=True)
class Zygotes:
    """The two fork servers every slot's children come from, and the suite's library path."""

    app: ForkServer
    suite: ForkServer
    lib: str

    @classmethod
    def start(cls, lib: str, cwd: Path) -> Zygotes:
        """Start both, in ``cwd`` (the run's grader root: never the candidate's); they import
        while the supervisor goes on (a spawn waits for them)."""
        python = sys.executable
        base = {"PATH": f"{Path(python).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
                "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
        app = ForkServer(APP_PRELOAD, {**base, "PYTHONUNBUFFERED": "1"}, cwd)
        suite = ForkServer(
            SUITE_PRELOAD, {**base, "PYTHONPATH": lib, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, cwd
        )
        return cls(app, suite, lib)


def _kill_candidate(app: Child, candidate: Identity) -> None:
    """Stop the app, its process group and, in the container, every process of its uid."""
    kill_group(app)
    if candidate.uid is None:
        app.wait()
        return
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        survivors = []
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                if pid_dir.stat().st_uid == candidate.uid:
                    survivors.append(int(pid_dir.name))
            except OSError:
                continue
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        app.poll()
        if not survivors:
            break
        time.sleep(0.02)
    app.wait()


def _never_listened_hint(log_tail: str) -> str:
    if "Running on http" in log_tail or "Serving Flask app" in log_tail:
        return (
            " It started Flask's development server instead: call app.run() only under"
            ' `if __name__ == "__main__":`.'
        )
    return ""


@dataclass
class Children:
    """The app and the suite, started as zygotes before the job, with their output drains."""

    candidate: Identity
    grader: Identity
    app: Child
    app_log: CappedLog
    suite: Child
    suite_output: CappedLog
    own_uids: bool = False  # the users are this container's alone: limit their process count

    def dismiss(self) -> None:
        """No job came: let both zygotes end (no orders), then make sure they did."""
        for child in (self.app, self.suite):
            _send_orders(child, None)
        for child in (self.app, self.suite):
            try:
                child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                _stop(child)


def prepare(
    layout: Layout, zygotes: Zygotes, *, bare: bool, slot: int = 0, uid_base: int | None = None
) -> Children:
    """Make slot ``slot``'s job-independent folders and start both its children as zygotes.

    ``layout`` is the slot's own. Its roots are the container's per-slot mounts (made here in
    a bare run); its out folder is made here.
    """
    candidate, grader = Identity.pair(slot, bare=bare, uid_base=uid_base)
    for root in (layout.candidate_root, layout.grader_root):
        root.mkdir(mode=0o755, exist_ok=True)
    # The suite's user passes through it to its results folder; the logs in it are root's.
    layout.out_dir.mkdir(mode=0o711, exist_ok=True)
    layout.out_dir.chmod(0o711)
    socket_dir = layout.app_socket.parent
    socket_dir.mkdir(mode=0o700)
    os.chmod(socket_dir, 0o770)  # the slot's suite owns it; its app may make its socket there
    if grader.uid is not None and candidate.gid is not None:
        os.chown(socket_dir, grader.uid, candidate.gid)
    candidate_tmp = _private_dir(layout.candidate_root / "tmp", candidate)
    # Popen changes directory before it switches user, and root here lacks DAC_OVERRIDE:
    # the children's working directories must be enterable (never listable) by others.
    candidate_home = _private_dir(layout.candidate_root / "home", candidate, 0o711)
    grader_tmp = _private_dir(layout.grader_root / "tmp", grader)
    grader_home = _private_dir(layout.grader_root / "home", grader, 0o711)
    layout.results_dir.mkdir(mode=0o700)
    grader.owns(layout.results_dir, 0o700)
    ini = layout.grader_root / "pytest.ini"
    ini.write_text("[pytest]\n")
    ini.chmod(0o644)
    python = sys.executable
    app = zygotes.app.spawn(
        candidate,
        cwd=candidate_home,
        env={
            **_base_env(python, candidate_home, candidate_tmp, str(layout.app_dir)),
            "PYTHONUNBUFFERED": "1",
        },
        umask=0o077,
        limits=CANDIDATE_LIMITS,
    )
    app_log = CappedLog(_output(app), layout.out_dir / "app.log", APP_LOG_CAP)
    suite = zygotes.suite.spawn(
        grader,
        cwd=grader_home,
        env={
            **_base_env(python, grader_home, grader_tmp, zygotes.lib),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        },
        umask=0o022,
    )
    suite_output = CappedLog(_output(suite), layout.out_dir / "suite.log", 64 << 10)
    # It serves for as long as this process lives; the slot's suite is its only client.
    AppFileServer(layout, candidate, grader).start()
    own_uids = uid_base is not None and not bare
    return Children(candidate, grader, app, app_log, suite, suite_output, own_uids)


def _output(child: Child) -> io.BufferedIOBase:
    """The child's piped output: Popen makes a buffered reader for stdout=PIPE, bufsize=-1."""
    stream = child.stdout
    assert isinstance(stream, io.BufferedIOBase)
    return stream


def supervise(layout: Layout, job: dict[str, Any], children: Children) -> dict[str, Any]:
    """Run one grading job; return the report the host reads (also written to out/)."""
    started = time.monotonic()
    timings: dict[str, float] = {}
    report: dict[str, Any] = {"schema": REPORT_SCHEMA, "phase": "setup", "app": {}, "suite": {}}
    candidate, grader = children.candidate, children.grader
    app, log, suite = children.app, children.app_log, children.suite
    log.cap = int(job["log_cap_bytes"])
    _copy_tree(layout.in_dir / "submission", layout.app_dir, candidate, 0o700, 0o600, 0o711)
    _copy_tree(layout.in_dir / "tests", layout.tests_dir, grader, 0o700, 0o600)
    _copy_tree(layout.in_dir / "submission", layout.source_dir, grader, 0o700, 0o600)
    timings["setup_s"] = time.monotonic() - started

    app_env = {str(k): str(v) for k, v in job.get("app_env", {}).items()}
    try:
        if job.get("setup"):
            report["phase"] = "app_setup"
            setup_started_at = time.monotonic()
            failure = _run_setup(layout, job, candidate, app_env, log)
            timings["app_setup_s"] = time.monotonic() - setup_started_at
            if failure:
                report["app"] = {"started": False, "failure": "setup_failed", "reason": failure}
                return _finished(report, timings, started)
        report["phase"] = "app_start"
        app_started_at = time.monotonic()
        orders = _app_orders(job["entry"], layout.app_socket, layout.app_dir, app_env)
        if children.own_uids:  # counted per uid on the whole host (see SLOT_UID_STRIDE)
            orders["rlimits"] = [("RLIMIT_NPROC", int(job["process_limit"]))]
        _send_orders(app, orders)
        # pytest starts collecting now and waits for `ready`, so both start-ups overlap.
        _send_orders(suite, _suite_orders(layout, job))
        timeout_s = float(job["app_start_timeout_s"])
        _wait_for_app(app, layout.app_dir, layout.app_socket, timeout_s, report, log)
        timings["app_start_s"] = time.monotonic() - app_started_at
        if report["app"]["started"]:
            report["phase"] = "suite"
            suite_started_at = time.monotonic()
            _signal_ready(layout.grader_root / "ready")
            report["suite"] = _finish_suite(suite, float(job["suite_timeout_s"]))
            timings["suite_s"] = time.monotonic() - suite_started_at
    finally:
        _stop(suite)
        _kill_candidate(app, candidate)
        log.finish()
        children.suite_output.finish()
        report["app"]["exit_code"] = app.returncode
        report["app"]["log_bytes_dropped"] = log.dropped
    return _finished(report, timings, started)


def _finished(report: dict[str, Any], timings: dict[str, float], started: float) -> dict[str, Any]:
    report["phase"] = "done"
    timings["total_s"] = time.monotonic() - started
    report["timings"] = timings
    return report


def _run_setup(
    layout: Layout,
    job: dict[str, Any],
    candidate: Identity,
    app_env: dict[str, str],
    log: CappedLog,
) -> str | None:
    """Run the manifest's set-up steps in order, as the candidate, in the app's folder.

    They share one budget (``setup_timeout_s``) and write to the app log. Each runs without a
    shell, with the app's environment and limits. Returns why the first failing step failed
    (its number, command, exit and output tail), or None when all succeeded.
    """
    deadline = time.monotonic() + float(job["setup_timeout_s"])
    env = {
        **_base_env(sys.executable, layout.candidate_root / "home",
                    layout.candidate_root / "tmp", str(layout.app_dir)),
        "PYTHONUNBUFFERED": "1",
        **app_env,
    }  # fmt: skip
    for number, argv in enumerate(job["setup"], 1):
        command = " ".join(argv)
        what = f"set-up step {number} (`{command[:200]}`)"
        log.write(f"$ {command}\n".encode())
        try:
            step = candidate.spawn(
                [sys.executable, "-I", "-S", "-c", LIMITED_EXEC, *argv],
                cwd=layout.app_dir,
                env=env,
                umask=0o077,
            )
        except OSError as exc:  # no process to be had (the pids limit)
            return f"{what} could not start: {exc.strerror or exc}"
        _send_orders(step, None)
        tail = _StepTail(_output(step), log)
        finished = exited(step, max(0.0, deadline - time.monotonic()))
        kill_group(step)  # on time or not: what it left running in its session goes too
        step.wait()
        tail.finish()
        if not finished:
            budget = float(job["setup_timeout_s"])
            return f"{what} did not finish within the set-up budget of {budget:g} s{tail.quoted()}"
        if step.returncode != 0:
            ended = (
                f"was killed by signal {-step.returncode}"
                if step.returncode < 0
                else f"failed with exit {step.returncode}"
            )
            return f"{what} {ended}{tail.quoted()}"
    return None


class _StepTail:
    """Copy a set-up step's output into the app log, keeping its last lines for the reason."""

    KEEP_BYTES = 1500

    def __init__(self, stream: io.BufferedIOBase, log: CappedLog) -> None:
        self._kept = b""
        self._stream = stream
        self._log = log
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := self._stream.read1(1 << 16):
                self._log.write(chunk)
                self._kept = (self._kept + chunk)[-self.KEEP_BYTES :]

    def finish(self) -> None:
        """Wait briefly: a process the step left behind may hold its output open."""
        self._thread.join(1.0)

    def quoted(self) -> str:
        text = self._kept.decode("utf-8", "replace").strip()
        lines = text.splitlines()[-12:]
        return ":\n" + "\n".join(lines) if lines else " (no output)"


def _orders(module: str, args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    return {"module": module, "args": args, "cwd": str(cwd), "env": env}


def _send_orders(child: Child, orders: dict[str, Any] | None) -> None:
    """Write a zygote's one line of orders (none: it ends) and close its stdin."""
    stdin = child.stdin
    assert stdin is not None  # spawn always pipes stdin
    with contextlib.suppress(OSError, ValueError):  # a zygote that died shows when awaited
        if orders is not None:
            stdin.write(json.dumps(orders).encode() + b"\n")
        stdin.close()


def _wait_for_app(
    app: Child,
    app_dir: Path,
    app_socket: Path,
    timeout_s: float,
    report: dict[str, Any],
    log: CappedLog,
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if exited(app):
            kill_group(app)  # what it left running, while its id still names its group
            app.wait()
            tail = log.tail()
            report["app"] = {
                "started": False,
                "failure": "exited",
                "reason": f"the app exited with code {app.returncode} before it served "
                f"any request{_startup_error(tail, app_dir)}",
            }
            return
        if _listening(app_socket) and not exited(app):
            report["app"] = {"started": True}
            return
        if time.monotonic() > deadline:
            tail = log.tail()
            report["app"] = {
                "started": False,
                "failure": "never_listened",
                "reason": f"the app did not start serving within {timeout_s:g} s."
                + _never_listened_hint(tail),
            }
            return
        time.sleep(0.01)


_FRAME = re.compile(r'\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')


def _startup_error(log_tail: str, app_dir: Path) -> str:
    """Name the last exception line of the start-up log (SyntaxError, ImportError...) and the
    deepest place in the candidate's own files it came from: the candidate's view shows this
    reason, not the log, and "invalid syntax" alone does not say where."""
    lines = log_tail.strip().splitlines()
    for at in range(len(lines) - 1, -1, -1):
        text = lines[at].strip()
        head = text.split(":", 1)[0]
        if head.endswith(("Error", "Exception", "Exit", "Interrupt")) and " " not in head:
            return f": {text[:300]}{_own_frame(lines[:at], app_dir)}"
    return ""


def _own_frame(traceback_lines: list[str], app_dir: Path) -> str:
    """`` (in app/models.py, line 12)`` for the last frame in the app's folder, if any."""
    prefix = f"{app_dir}/"
    for line in reversed(traceback_lines):
        frame = _FRAME.match(line)
        if frame and frame["path"].startswith(prefix):
            return f" (in {frame['path'].removeprefix(prefix)[:200]}, line {frame['line']})"
    return ""


def _base_env(python: str, home: Path, tmp: Path, pythonpath: str) -> dict[str, str]:
    """The allow-listed environment both children start from: no secrets, no test paths."""
    return {
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "PYTHONPATH": pythonpath,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _suite_orders(layout: Layout, job: dict[str, Any]) -> dict[str, Any]:
    """pytest as the suite zygote becomes it: it collects, then waits for the ready file."""
    env = {
        "GRADER_APP_URL": f"http://127.0.0.1:{job['port']}",  # the Host the app sees
        "GRADER_APP_SOCKET": str(layout.app_socket),
        "GRADER_SOURCE_DIR": str(layout.source_dir),
        "GRADER_RESULTS_FILE": str(layout.results_dir / "pytest.json"),
        "GRADER_READY_FILE": str(layout.grader_root / "ready"),
        "GRADER_APP_ENV": json.dumps(job.get("app_env", {})),
        "GRADER_TEST_TIMEOUT_S": str(job["test_timeout_s"]),
        "GRADER_DEFAULT_SKILL": str(job.get("default_skill", "general")),
        "GRADER_SHUFFLE_SEED": "" if job.get("shuffle_seed") is None else str(job["shuffle_seed"]),
        "GRADER_FAIL_FAST": "1" if job.get("fail_fast") else "",
        "GRADER_APP_FILES_SOCKET": str(layout.app_files_socket),
    }
    args = [
        "-p", PLUGIN, *UNUSED_PYTEST_PLUGINS,
        "-c", str(layout.grader_root / "pytest.ini"), "--rootdir", str(layout.tests_dir),
        "--basetemp", str(layout.grader_root / "tmp" / "pytest"), "-q", "--no-header", "-rN",
        str(layout.tests_dir),
    ]  # fmt: skip
    return _orders("pytest", args, layout.grader_root / "home", env)


def _signal_ready(path: Path) -> None:
    path.write_text("ready\n")
    path.chmod(0o644)


def _finish_suite(suite: Child, timeout_s: float) -> dict[str, Any]:
    """Wait for pytest within its budget; report how it ended."""
    finished = exited(suite, timeout_s)
    _stop(suite)  # on time or not: what it left running, while its id still names its group
    if not finished:
        return {"exit_code": None, "timed_out": True, "timeout_s": timeout_s}
    return {"exit_code": suite.returncode, "timed_out": False}


def _stop(process: Child) -> None:
    kill_group(process)
    process.wait()


def kill_group(process: Child) -> None:
    """SIGKILL the process group ``process`` leads, unless it was reaped already.

    Once a leader is reaped and its group is empty, the kernel may give its id to a new
    process; one that leads its own group (a PostgreSQL backend does) would be killed in its
    place. Code that must kill a group after its leader ends waits with ``exited`` instead,
    which leaves the leader a zombie, its id still taken, until the group is killed.
    """
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def exited(process: Child, timeout_s: float = 0.0) -> bool:
    """Whether ``process`` ended within ``timeout_s``, without reaping it (see kill_group)."""
    if isinstance(process, ForkedChild):
        return process.ended(timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        if process.returncode is not None:
            return True
        try:
            ended = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped elsewhere
            return True
        if ended is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


# -- the app's files, for hidden tests (the ``app_files`` fixture) ----------------------------

APP_FILES_CAP = 16 << 20  # bytes: the most a hidden test may read of one file the app wrote
APP_FILES_TIMEOUT_S = 5.0  # one copy, when the test names no shorter time
APP_FILES_MAX_TIMEOUT_S = 30.0
APP_FILES_MAX_PATHS = 8  # per request: a database and its WAL are two
APP_FILES_MAX_PATH_CHARS = 1024
APP_FILES_REQUEST_CAP = 64 << 10
# The copier: run as the candidate (in bare mode, as the author), with ``-I -S`` so nothing the
# candidate wrote can be imported. It reads its orders from stdin and walks each path from the
# app's folder one component at a time, each opened relative to the folder before it with
# O_NOFOLLOW: no symlink is followed anywhere, ``..`` never reaches it (the supervisor refuses
# it first), FIFOs, sockets and devices are named, never read (O_NONBLOCK, then fstat on the
# descriptor actually opened). For each path it writes one JSON header line, then the bytes.
# Nothing it writes is trusted: the candidate may trace or kill it. Its kinds and component
# numbers only pick one of the supervisor's own messages.
APP_FILE_COPIER = r"""
import errno, json, os, resource, stat, sys
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
orders = json.loads(sys.stdin.readline())
cap = int(orders["cap"])
out = sys.stdout.buffer
DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
ERRNO_KINDS = {errno.ENOENT: "missing", errno.ELOOP: "symlink", errno.ENOTDIR: "not_folder",
               errno.EACCES: "denied", errno.EPERM: "denied", errno.ENXIO: "socket"}

def kind_of(mode):
    for test, kind in ((stat.S_ISLNK, "symlink"), (stat.S_ISDIR, "folder"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device")):
        if test(mode):
            return kind
    return "file" if stat.S_ISREG(mode) else "special"

def fetch(parts, read, fds):
    fds.append(os.open(orders["root"], DIRECTORY))
    for at, name in enumerate(parts):
        last = at == len(parts) - 1
        try:
            kind = kind_of(os.stat(name, dir_fd=fds[-1], follow_symlinks=False).st_mode)
            if kind == "symlink" or (not last and kind != "folder"):
                return {"kind": "not_folder" if kind != "symlink" else kind, "at": at}, b""
            if not last:
                fds.append(os.open(name, DIRECTORY, dir_fd=fds[-1]))
                continue
            if kind != "file":
                return {"kind": kind, "at": at}, b""
            fds.append(os.open(name, FILE, dir_fd=fds[-1]))
            kind = kind_of(os.fstat(fds[-1]).st_mode)  # what was opened, if it was swapped
            if kind != "file":
                return {"kind": kind, "at": at}, b""
        except OSError as exc:
            return {"kind": ERRNO_KINDS.get(exc.errno, "failed"), "at": at}, b""
    if not read:
        return {"kind": "file", "size": os.fstat(fds[-1]).st_size}, b""
    data = bytearray()
    while len(data) <= cap:
        chunk = os.read(fds[-1], min(1 << 20, cap + 1 - len(data)))
        if not chunk:
            return {"kind": "file", "size": len(data)}, bytes(data)
        data += chunk
    return {"kind": "too_large"}, b""

for parts in orders["paths"]:
    fds = []
    try:
        header, data = fetch(parts, orders["op"] == "read", fds)
    except OSError as exc:
        header, data = {"kind": ERRNO_KINDS.get(exc.errno, "failed"), "at": -1}, b""
    finally:
        for fd in fds:
            os.close(fd)
    out.write(json.dumps(header).encode() + b"\n" + data)
    out.flush()
"""
_COPIER_KINDS = frozenset(
    {"file", "missing", "symlink", "not_folder", "denied", "folder", "fifo", "socket", "device",
     "special", "too_large", "failed"}
)  # fmt: skip
_NOT_READ = {
    "fifo": "is a FIFO (named pipe), not a regular file; not read",
    "socket": "is a socket, not a regular file; not read",
    "device": "is a device, not a regular file; not read",
    "special": "is not a regular file; not read",
    "folder": "is a folder, not a file",
}


class AppFileRefused(Exception):
    """A request for the app's files that the supervisor answers with this message only."""


class AppFileServer:
    """Copy files the candidate's app wrote in its folder, on request of the hidden suite.

    Why this shape: the suite runs as the grader user and cannot read the app's 0600 files;
    root here cannot either (no DAC_OVERRIDE), and should not: a privileged reader walking a
    folder the candidate controls is Judge0's symlink escape. So the reader is a short-lived
    copier run *as the candidate*, reaching exactly what the candidate's app could already
    read, and still walking without following any symlink (see APP_FILE_COPIER), so a path
    never leaves the app's folder even in bare mode, where the copier runs as the author.

    The channel is a Unix socket in a folder only the grader user can enter: the candidate
    cannot connect, and the peer's uid is checked as well (SO_PEERCRED). The bytes travel back
    over the same connection, straight into the test's process: no snapshot file is ever left
    where another user could read it, and each answer belongs to the request it answers (a
    request folder would need names, polling and clean-up). One request is served at a time
    (the suite runs its tests one after another), each within its time limit: a copier that
    the candidate stops or traces is killed with its process group at the deadline and the
    test gets a timeout message; one that is killed, or made to write anything malformed or
    over the cap, gives a failure message. The supervisor never waits on the candidate.
    """

    def __init__(self, layout: Layout, candidate: Identity, grader: Identity) -> None:
        self.layout = layout
        self.candidate = candidate
        self.grader = grader
        self._listener: socket.socket | None = None

    def start(self) -> AppFileServer:
        """Listen on the layout's socket and serve from a daemon thread; never raises.

        Without the socket (a path too long for AF_UNIX, say) the run goes on, and a test
        that asks for the app's files fails saying the service is unavailable.
        """
        path = self.layout.app_files_socket
        try:
            path.parent.mkdir(mode=0o700)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(path))
            listener.listen(8)
            # The grader user owns both, so root keeps only the listening descriptor.
            self.grader.owns(path, 0o600)
            self.grader.owns(path.parent, 0o700)
        except OSError:
            return self
        self._listener = listener
        threading.Thread(target=self._serve, name="app-files", daemon=True).start()
        return self

    def _serve(self) -> None:
        listener = self._listener
        assert listener is not None  # started only once listening
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with connection:
                try:
                    self._answer(connection)
                except Exception:  # one bad request never ends the service
                    continue

    def _answer(self, connection: socket.socket) -> None:
        if not self._peer_allowed(connection):
            return
        connection.settimeout(APP_FILES_TIMEOUT_S)
        request = _read_request(connection)
        try:
            op, paths, timeout_s = _parse_app_files_request(request)
            headers, data = self._copy(op, paths, timeout_s)
        except AppFileRefused as refused:
            connection.sendall(json.dumps({"error": str(refused)}).encode() + b"\n")
            return
        answer = {"cap_bytes": APP_FILES_CAP, "files": headers}
        connection.sendall(json.dumps(answer).encode() + b"\n")
        for chunk in data:
            connection.sendall(chunk)

    def _peer_allowed(self, connection: socket.socket) -> bool:
        """Only the suite's user may ask (the folder already keeps everyone else out)."""
        peer_option = getattr(socket, "SO_PEERCRED", None)
        if peer_option is None:
            return True  # not Linux: a bare run on an author's machine
        credentials = connection.getsockopt(socket.SOL_SOCKET, peer_option, struct.calcsize("3i"))
        uid = int(struct.unpack("3i", credentials)[1])  # pid, uid, gid
        expected = os.getuid() if self.grader.uid is None else self.grader.uid
        return uid == expected

    def _copy(
        self, op: str, paths: list[tuple[str, list[str]]], timeout_s: float
    ) -> tuple[list[dict[str, Any]], list[bytes]]:
        """Run one copier for ``paths``; return a header per path and the bytes read."""
        named = ", ".join(shown for shown, _ in paths)
        orders = {
            "root": str(self.layout.app_dir),
            "cap": APP_FILES_CAP,
            "op": op,
            "paths": [parts for _, parts in paths],
        }
        try:
            copier = self.candidate.spawn(
                [sys.executable, "-I", "-S", "-c", APP_FILE_COPIER],
                cwd=self.layout.candidate_root / "home",
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                umask=0o077,
            )
        except OSError as exc:  # the pids limit, typically: the app forks without end
            raise AppFileRefused(
                f"app file {named}: the copier could not start ({exc.strerror or exc})"
            ) from exc
        try:
            _send_orders(copier, orders)
            budget = len(paths) * (APP_FILES_CAP + 1024)
            output = _read_within(_output(copier), time.monotonic() + timeout_s, budget)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(copier.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                copier.wait(timeout=1.0)  # a killed process ends; a stopped one is killed too
        if output is None:
            raise AppFileRefused(
                f"app file {named}: reading took longer than {timeout_s:g} s and was stopped "
                "(the app's own processes may have stopped the copier)"
            )
        return _parse_copier_output(output, op, paths, named)


def _read_request(connection: socket.socket) -> bytes:
    """One line of JSON from the suite, capped."""
    request = bytearray()
    while b"\n" not in request:
        chunk = connection.recv(4096)
        if not chunk:
            break
        request += chunk
        if len(request) > APP_FILES_REQUEST_CAP:
            raise AppFileRefused("the request for app files is too long")
    return bytes(request)


def _parse_app_files_request(request: bytes) -> tuple[str, list[tuple[str, list[str]]], float]:
    """Return (op, [(path as asked, its components)], timeout) or refuse, saying why."""
    try:
        document = json.loads(request)
    except (ValueError, RecursionError) as exc:
        raise AppFileRefused("the request for app files is not JSON") from exc
    if not isinstance(document, dict) or document.get("op") not in ("read", "stat"):
        raise AppFileRefused('the request for app files needs "op": "read" or "stat"')
    paths = document.get("paths")
    if not isinstance(paths, list) or not 0 < len(paths) <= APP_FILES_MAX_PATHS:
        raise AppFileRefused(f"ask for 1 to {APP_FILES_MAX_PATHS} app files at a time")
    timeout = document.get("timeout_s", APP_FILES_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        timeout = APP_FILES_TIMEOUT_S
    return (
        document["op"],
        [(str(path), _path_parts(path)) for path in paths],
        min(float(timeout), APP_FILES_MAX_TIMEOUT_S),
    )


def _path_parts(path: object) -> list[str]:
    """The components of a relative path inside the app's folder; refuse anything else."""
    if not isinstance(path, str) or not path or len(path) > APP_FILES_MAX_PATH_CHARS:
        raise AppFileRefused(
            f"app file {str(path)[:100]!r}: name a path of 1 to {APP_FILES_MAX_PATH_CHARS} "
            "characters, relative to the app's folder"
        )
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if path.startswith("/") or "\0" in path or ".." in parts or not parts:
        raise AppFileRefused(
            f"app file {path}: not a path inside the app's folder (relative, without '..')"
        )
    return parts


def _read_within(stream: io.BufferedIOBase, deadline: float, budget: int) -> bytes | None:
    """Read ``stream`` to its end; None if the deadline passes first. Past ``budget``: refuse.

    Never waits for an end past the deadline: a process the candidate started may hold the
    pipe open after the copier itself is gone.
    """
    fd = stream.fileno()
    os.set_blocking(fd, False)
    output = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                return bytes(output)
            output += chunk
            if len(output) > budget:
                raise AppFileRefused("the copier wrote more than it may; the copy was stopped")
    return None


def _parse_copier_output(
    output: bytes, op: str, paths: list[tuple[str, list[str]]], named: str
) -> tuple[list[dict[str, Any]], list[bytes]]:
    """Check the copier's output strictly; turn each header into the supervisor's own words."""
    headers: list[dict[str, Any]] = []
    data: list[bytes] = []
    position = 0
    for shown, parts in paths:
        end = output.find(b"\n", position, position + 512)
        try:
            header = json.loads(output[position:end]) if end >= 0 else None
        except (ValueError, RecursionError):
            header = None
        kind = header.get("kind") if isinstance(header, dict) else None
        if not isinstance(header, dict) or kind not in _COPIER_KINDS:
            raise AppFileRefused(f"app file {named}: the copy failed (the copier ended early)")
        position = end + 1
        entry: dict[str, Any] = {"path": shown, "kind": kind}
        size = header.get("size")
        if kind == "file":
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise AppFileRefused(f"app file {shown}: the copy failed (no size)")
            if op == "read":
                if size > APP_FILES_CAP or position + size > len(output):
                    raise AppFileRefused(f"app file {shown}: the copy failed (cut short)")
                data.append(output[position : position + size])
                position += size
            entry["size"] = size
        elif kind != "folder" or op != "stat":
            entry["error"] = _app_file_message(shown, parts, kind, header.get("at"))
        headers.append(entry)
    if position != len(output):
        raise AppFileRefused(f"app file {named}: the copy failed (unexpected output)")
    return headers, data


def _app_file_message(shown: str, parts: list[str], kind: str, at: object) -> str:
    """Say why a path was not read, in the supervisor's words, naming the component."""
    last = len(parts) - 1
    index = at if isinstance(at, int) and not isinstance(at, bool) and 0 <= at <= last else last
    where = "" if index == last else "/".join(parts[: index + 1]) + " "
    reasons = {
        "missing": "does not exist" if not where else f"does not exist ({where}is missing)",
        "symlink": f"{where}is a symlink; not followed",
        "not_folder": f"{where}is not a folder",
        "denied": f"{where}cannot be read by the app's own user (permission denied)",
        "too_large": f"is larger than the {APP_FILES_CAP >> 20} MiB cap; not read",
        "failed": "could not be read",
    }
    return f"app file {shown}: {reasons.get(kind) or _NOT_READ.get(kind, 'could not be read')}"


def _wait_for_run(in_dir: Path, limit_s: float = JOB_WAIT_S) -> dict[str, Any] | None:
    """The run's plan (``slots``, ``concurrency``) once the payload's last entry exists; None
    if none came in time. Each slot's job is in ``in/<slot>/job.json``."""
    deadline = time.monotonic() + limit_s
    while not (in_dir / GO_FILE).exists():
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)
    plan = json.loads((in_dir / RUN_FILE).read_text())
    slots, concurrency = int(plan["slots"]), int(plan["concurrency"])
    if not 1 <= slots <= SLOTS_MAX or not 1 <= concurrency <= slots:
        raise ValueError(f"a run of {slots} slots, {concurrency} at a time, is not allowed")
    return {"slots": slots, "concurrency": concurrency}


def run_slots(
    layout: Layout,
    plan: dict[str, Any],
    first: Children | Exception,
    zygotes: Zygotes,
    *,
    bare: bool,
    uid_base: int | None = None,
) -> None:
    """Grade every slot, ``concurrency`` at a time, each to its own report.

    Slots are taken in order by a few threads; ``first`` is slot 0's children, started before
    the job came, or why they could not start. One slot's failure, even the supervisor's own
    while running it, is that slot's report only.
    """
    slots = iter(range(plan["slots"]))
    taking = threading.Lock()

    def work() -> None:
        while True:
            with taking:
                index = next(slots, None)
            if index is None:
                return
            children = first if index == 0 else None
            _run_slot(layout.slot(index), index, children, zygotes, bare=bare, uid_base=uid_base)

    workers = [threading.Thread(target=work) for _ in range(plan["concurrency"])]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _run_slot(
    layout: Layout,
    index: int,
    children: Children | Exception | None,
    zygotes: Zygotes,
    *,
    bare: bool,
    uid_base: int | None,
) -> None:
    try:
        if isinstance(children, Exception):
            raise children
        if children is None:
            children = prepare(layout, zygotes, bare=bare, slot=index, uid_base=uid_base)
        job = json.loads((layout.in_dir / "job.json").read_text())
        report = supervise(layout, job, children)
    except Exception as exc:  # report, never die silently: the host turns this into sandbox_error
        report = _crashed(exc)
    _write_report(layout, report)


def _crashed(exc: Exception) -> dict[str, Any]:
    return {"schema": REPORT_SCHEMA, "phase": "crashed", "error": f"{type(exc).__name__}: {exc}"}


def _write_report(layout: Layout, report: dict[str, Any]) -> None:
    layout.out_dir.mkdir(mode=0o711, exist_ok=True)
    report_path = layout.out_dir / "supervisor.json"
    tmp_path = report_path.with_suffix(".tmp")
    tmp_path.write_text(json.dumps(report))
    os.replace(tmp_path, report_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare", metavar="ROOT", help="run on the host under ROOT (no sandbox)")
    parser.add_argument("--lib", default=CONTAINER_LIB, help="where the grader package is")
    parser.add_argument("--job-wait", type=float, default=JOB_WAIT_S, help="seconds to wait")
    parser.add_argument("--uid-base", type=int, help="this container's own users (several slots)")
    args = parser.parse_args(argv)
    bare = bool(args.bare)
    layout = Layout.under(Path(args.bare)) if bare else CONTAINER_LAYOUT
    zygotes = Zygotes.start(args.lib, layout.grader_root)
    first: Children | Exception
    try:
        first = prepare(layout.slot(0), zygotes, bare=bare, uid_base=args.uid_base)
    except Exception as exc:  # slot 0's report says so once its job is here
        first = exc
    try:
        plan = _wait_for_run(layout.in_dir, args.job_wait)
    except Exception as exc:  # a malformed plan: nothing to run; slot 0's report says why
        plan, first = None, exc
        _write_report(layout.slot(0), _crashed(exc))
    if plan is None:
        if isinstance(first, Children):
            first.dismiss()
        return 0
    run_slots(layout, plan, first, zygotes, bare=bare, uid_base=args.uid_base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
