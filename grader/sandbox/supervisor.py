"""In-sandbox supervisor: serves the candidate's app, runs the hidden suite, reports back.

Runs inside the container as root with only SETUID, SETGID, CHOWN and KILL, as PID 1's only
child. It must stay stdlib-only: it is copied into the image as a lone script. It never reads
anything the candidate can write; the host reads its report and the suite's results from
folders the candidate cannot write.

The same script runs "bare" (``--bare ROOT``) on the host for authoring and benchmarks: same
steps, same files, no user switching. Bare mode is never used for candidates' code.

It may start before its job arrives (a warm sandbox): it prepares the folders and starts both
children as zygotes that import what every run needs (Flask and the WSGI server; pytest and the
plugin), then waits for ``in/go``, the payload's last entry, and hands each child its orders.
A cold run is the same path with the job already there.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CANDIDATE_UID = 10001
GRADER_UID = 10002
PLUGIN = "grader.testkit.plugin"
CONTAINER_LIB = "/opt/grader/lib"
REPORT_SCHEMA = "grader.supervisor/1"
APP_LOG_CAP = 1 << 20  # until the job names its own cap
GO_FILE = "go"  # the payload's last entry: once it exists, the whole job does
JOB_WAIT_S = 600.0  # a warm supervisor whose job never comes ends on its own
APP_PRELOAD = ("flask", "waitress.runner")
SUITE_PRELOAD = ("pytest", PLUGIN)
# A zygote imports the modules named after its code, reads one line of orders (environment to
# add, working folder, module to run as ``python -m`` would, its argv), puts /dev/null on its
# stdin, as a freshly spawned child has, and becomes that module. No orders: it just ends.
# Orders with a "call" (the app's, for a factory) run waitress's runner, which resolves the
# factory, and call it with the job's literal arguments (JSON values) before serving it.
ZYGOTE = """
import importlib, json, os, runpy, sys
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
line = sys.stdin.readline()
if not line:
    sys.exit(0)
orders = json.loads(line)
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
os.environ.update(orders["env"])
os.chdir(orders["cwd"])
sys.path[0] = os.getcwd()
sys.path_importer_cache.clear()
importlib.invalidate_caches()
sys.argv[:] = [orders["module"], *orders["args"]]  # in place: defaults hold this list
call = orders.get("call")
if call is None:
    runpy.run_module(orders["module"], run_name="__main__", alter_sys=True)
else:  # waitress's own runner finds the factory; it is called with the job's arguments
    from waitress import serve
    from waitress.runner import run
    def called(factory, **adjustments):
        serve(factory(*call["args"], **call["kwargs"]), **adjustments)
    sys.exit(run(sys.argv, _serve=called))
"""
# Built-in plugins a hidden suite never needs; each costs time on every run (the two
# *exception plugins turn stray exceptions into warnings, after five full gc passes at exit).
UNUSED_PYTEST_PLUGINS = [
    "-p", "no:cacheprovider", "-p", "no:doctest", "-p", "no:pastebin",
    "-p", "no:stepwise", "-p", "no:setuponly", "-p", "no:setupplan", "-p", "no:junitxml",
    "-p", "no:unraisableexception", "-p", "no:threadexception",
]  # fmt: skip


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


CONTAINER_LAYOUT = Layout(
    Path("/in"), Path("/out"), Path("/sandbox/candidate"), Path("/sandbox/grader")
)


@dataclass(frozen=True)
class Identity:
    """A uid/gid the supervisor runs a child as (None: stay who we are, in bare mode)."""

    uid: int | None
    gid: int | None

    def spawn(
        self,
        command: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        umask: int = -1,
        preexec_fn: Callable[[], object] | None = None,
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
            preexec_fn=preexec_fn,
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


class CappedLog:
    """Drain a child's output into a file, keeping at most ``cap`` bytes; never blocks the child."""

    def __init__(self, stream: io.BufferedIOBase, path: Path, cap: int) -> None:
        self.kept = 0
        self.dropped = 0
        self.path = path
        self.cap = cap  # may be lowered once the job names its own
        self._stream = stream
        self._lock = threading.Lock()
        self._file = open(path, "wb")  # noqa: SIM115 - closed by the drain thread
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def write(self, chunk: bytes) -> None:
        """Keep ``chunk`` within the cap; set-up steps write here before the app's output."""
        with self._lock:
            keep = chunk[: max(0, self.cap - self.kept)]
            if keep and not self._file.closed:
                self._file.write(keep)
                self._file.flush()
            self.kept += len(keep)
            self.dropped += len(chunk) - len(keep)

    def _drain(self) -> None:
        try:
            while chunk := self._stream.read1(1 << 16):
                self.write(chunk)
        except (OSError, ValueError):
            pass  # the child's end closed abruptly: what was read is kept
        finally:
            with self._lock:
                self._file.close()

    def finish(self, timeout: float = 1.0) -> None:
        self._thread.join(timeout)

    def tail(self, limit: int = 4000) -> str:
        self.finish(0.2)
        try:
            data = self.path.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")


def _limit_candidate() -> None:
    """Applied in the candidate's process before exec: lowest CPU priority, bounded files.

    The niceness keeps the hidden suite (and the supervisor) runnable when the app spins or
    forks until the pids limit: without it a fork bomb starves pytest past its deadline.
    The candidate cannot raise it back (no CAP_SYS_NICE).
    """
    os.nice(19)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _app_orders(
    entry: dict[str, Any] | str, port: int, cwd: Path, env: dict[str, str]
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
    args = [f"--listen=127.0.0.1:{port}", "--threads=8", "--ident=app"]
    orders = _orders("waitress", [*args, f"{entry['module']}:{entry['attribute']}"], cwd, env)
    if entry.get("call"):
        orders["call"] = {
            "args": list(entry.get("args") or []),
            "kwargs": dict(entry.get("kwargs") or {}),
        }
    return orders


def _kill_candidate(app: subprocess.Popen[bytes], candidate: Identity) -> None:
    """Stop the app, its process group and, in the container, every process of its uid."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(app.pid, signal.SIGKILL)
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
    app: subprocess.Popen[bytes]
    app_log: CappedLog
    suite: subprocess.Popen[bytes]
    suite_output: CappedLog

    def dismiss(self) -> None:
        """No job came: let both zygotes end (no orders), then make sure they did."""
        for child in (self.app, self.suite):
            _send_orders(child, None)
        for child in (self.app, self.suite):
            try:
                child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                _stop(child)


def prepare(layout: Layout, *, bare: bool, lib: str) -> Children:
    """Make the job-independent folders and start both children as zygotes."""
    python = sys.executable
    candidate = Identity(None, None) if bare else Identity(CANDIDATE_UID, CANDIDATE_UID)
    grader = Identity(None, None) if bare else Identity(GRADER_UID, GRADER_UID)
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
    app = candidate.spawn(
        [python, "-s", "-c", ZYGOTE, *APP_PRELOAD],
        cwd=candidate_home,
        env={
            **_base_env(python, candidate_home, candidate_tmp, str(layout.app_dir)),
            "PYTHONUNBUFFERED": "1",
        },
        umask=0o077,
        preexec_fn=_limit_candidate,
    )
    app_log = CappedLog(_output(app), layout.out_dir / "app.log", APP_LOG_CAP)
    suite = grader.spawn(
        [python, "-s", "-c", ZYGOTE, *SUITE_PRELOAD],
        cwd=grader_home,
        env={
            **_base_env(python, grader_home, grader_tmp, lib),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        },
    )
    suite_output = CappedLog(_output(suite), layout.out_dir / "suite.log", 64 << 10)
    return Children(candidate, grader, app, app_log, suite, suite_output)


def _output(child: subprocess.Popen[bytes]) -> io.BufferedIOBase:
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

    port = int(job["port"])
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
        _send_orders(app, _app_orders(job["entry"], port, layout.app_dir, app_env))
        # pytest starts collecting now and waits for `ready`, so both start-ups overlap.
        _send_orders(suite, _suite_orders(layout, job))
        _wait_for_app(app, port, float(job["app_start_timeout_s"]), report, log)
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
                list(argv), cwd=layout.app_dir, env=env, umask=0o077, preexec_fn=_limit_candidate
            )
        except OSError as exc:  # the program is missing or cannot run
            log.write(f"{exc.strerror or exc}\n".encode())
            return f"{what} could not start: {exc.strerror or exc}"
        _send_orders(step, None)
        tail = _StepTail(_output(step), log)
        try:
            step.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _stop(step)
            tail.finish()
            budget = float(job["setup_timeout_s"])
            return f"{what} did not finish within the set-up budget of {budget:g} s{tail.quoted()}"
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(step.pid, signal.SIGKILL)  # what it left running in its session
        tail.finish()
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


def _send_orders(child: subprocess.Popen[bytes], orders: dict[str, Any] | None) -> None:
    """Write a zygote's one line of orders (none: it ends) and close its stdin."""
    stdin = child.stdin
    assert stdin is not None  # spawn always pipes stdin
    with contextlib.suppress(OSError, ValueError):  # a zygote that died shows when awaited
        if orders is not None:
            stdin.write(json.dumps(orders).encode() + b"\n")
        stdin.close()


def _wait_for_app(
    app: subprocess.Popen[bytes],
    port: int,
    timeout_s: float,
    report: dict[str, Any],
    log: CappedLog,
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if app.poll() is not None:
            tail = log.tail()
            report["app"] = {
                "started": False,
                "failure": "exited",
                "reason": f"the app exited with code {app.returncode} before it served "
                f"any request{_startup_error(tail)}",
            }
            return
        if _port_open(port) and app.poll() is None:
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


def _startup_error(log_tail: str) -> str:
    """Name the last exception line of the start-up log (SyntaxError, ImportError...)."""
    for line in reversed(log_tail.strip().splitlines()):
        text = line.strip()
        head = text.split(":", 1)[0]
        if head.endswith(("Error", "Exception", "Exit", "Interrupt")) and " " not in head:
            return f": {text[:300]}"
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
        "GRADER_APP_URL": f"http://127.0.0.1:{job['port']}",
        "GRADER_SOURCE_DIR": str(layout.source_dir),
        "GRADER_RESULTS_FILE": str(layout.results_dir / "pytest.json"),
        "GRADER_READY_FILE": str(layout.grader_root / "ready"),
        "GRADER_APP_ENV": json.dumps(job.get("app_env", {})),
        "GRADER_TEST_TIMEOUT_S": str(job["test_timeout_s"]),
        "GRADER_DEFAULT_SKILL": str(job.get("default_skill", "general")),
        "GRADER_SHUFFLE_SEED": "" if job.get("shuffle_seed") is None else str(job["shuffle_seed"]),
        "GRADER_FAIL_FAST": "1" if job.get("fail_fast") else "",
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


def _finish_suite(suite: subprocess.Popen[bytes], timeout_s: float) -> dict[str, Any]:
    """Wait for pytest within its budget; report how it ended."""
    try:
        suite.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _stop(suite)
        return {"exit_code": None, "timed_out": True, "timeout_s": timeout_s}
    return {"exit_code": suite.returncode, "timed_out": False}


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_for_job(in_dir: Path, limit_s: float = JOB_WAIT_S) -> dict[str, Any] | None:
    """The job, once the payload's last entry exists; None if none came in time."""
    deadline = time.monotonic() + limit_s
    while not (in_dir / GO_FILE).exists():
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)
    job: dict[str, Any] = json.loads((in_dir / "job.json").read_text())
    return job


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare", metavar="ROOT", help="run on the host under ROOT (no sandbox)")
    parser.add_argument("--lib", default=CONTAINER_LIB, help="where the grader package is")
    parser.add_argument("--job-wait", type=float, default=JOB_WAIT_S, help="seconds to wait")
    args = parser.parse_args(argv)
    layout = Layout.under(Path(args.bare)) if args.bare else CONTAINER_LAYOUT
    try:
        children = prepare(layout, bare=bool(args.bare), lib=args.lib)
        job = _wait_for_job(layout.in_dir, args.job_wait)
        if job is None:
            children.dismiss()
            return 0
        report = supervise(layout, job, children)
    except Exception as exc:  # report, never die silently: the host turns this into sandbox_error
        report = {
            "schema": REPORT_SCHEMA,
            "phase": "crashed",
            "error": f"{type(exc).__name__}: {exc}",
        }
    report_path = layout.out_dir / "supervisor.json"
    tmp_path = report_path.with_suffix(".tmp")
    tmp_path.write_text(json.dumps(report))
    os.replace(tmp_path, report_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
