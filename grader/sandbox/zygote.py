"""A fork server: imports once what every child of its kind needs, then forks each child from it.

Why: a candidate's assessment runs a dozen apps and suites in one container, and a Python that
imports Flask (or pytest) costs a fifth of a second of CPU each time. The supervisor starts two
of these servers when the container starts (one preloads Flask and the WSGI server, one pytest
and the plugin); every app and suite is then a fork, which costs a few milliseconds.

It must stay stdlib-only: it is copied into the image beside ``supervisor.py``. It runs as the
supervisor does (root with SETUID and SETGID in the container, the author in a bare run) and
never runs anything of the candidate's itself: a child becomes its user, its limits, its folder
and its environment before it reads its orders, which is when candidate code may first run.

The control channel is a SOCK_SEQPACKET socket (its descriptor is the first argument), one JSON
message per packet:

- ``{"op": "spawn", "uid", "gid", "umask", "limits", "cwd", "env"}`` with two descriptors
  attached (the child's stdin, its stdout and stderr) is answered ``{"spawned": pid}`` or
  ``{"error": text}``. The child leads its own session and process group.
- When a child ends the server says ``{"exited": pid, "status": code}`` (a negative code: the
  signal), leaving the child a zombie so that its id (and group id) cannot be reused, until
  ``{"op": "reap", "pid": pid}``: the supervisor kills the group first, as with its own children.

The server ends when the channel closes. A child, once forked, reads one line of orders from its
stdin (see ``become``), as the supervisor's directly spawned zygotes did.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import runpy
import selectors
import signal
import socket
import sys
from typing import Any

MESSAGE_CAP = 1 << 20


def become(orders: dict[str, Any]) -> None:
    """Run the module the orders name, as ``python -m`` would, in this process; never returns.

    Orders with a ``call`` (an app factory) run waitress's runner, which resolves the factory,
    and call it with the job's literal arguments (JSON values) before serving it.
    """
    for name, value in orders.get("rlimits", []):
        resource.setrlimit(getattr(resource, name), (value, value))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # as a freshly spawned child has
    os.close(null)
    os.environ.update(orders["env"])
    os.chdir(orders["cwd"])
    sys.path.insert(0, os.getcwd())  # as ``python -m`` would (the server ran with -P)
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    sys.argv[:] = [orders["module"], *orders["args"]]  # in place: defaults hold this list
    call = orders.get("call")
    if call is None:
        runpy.run_module(orders["module"], run_name="__main__", alter_sys=True)
        sys.exit(0)
    from waitress import serve
    from waitress.runner import run

    def called(factory: Any, **adjustments: Any) -> None:
        serve(factory(*call["args"], **call["kwargs"]), **adjustments)

    sys.exit(run(sys.argv, _serve=called))  # type: ignore[func-returns-value]  # 1: bad app


def _child(request: dict[str, Any], fds: list[int], control: socket.socket, wakeup: int) -> None:
    """In the forked child: take the request's identity and limits, then its orders."""
    try:
        control.detach()  # its number may be reused: the object must never close it again
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        os.dup2(fds[1], 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        if request.get("gid") is not None:
            os.setgroups([])
            os.setgid(int(request["gid"]))
        if request.get("uid") is not None:
            os.setuid(int(request["uid"]))  # drops every capability: the uid is not 0
        os.umask(int(request["umask"]))
        limits = request.get("limits") or {}
        if limits:
            os.nice(int(limits["nice"]))
            for name, value in limits["rlimits"]:
                resource.setrlimit(getattr(resource, name), (value, value))
            with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as score:
                score.write(str(limits["oom_score_adj"]))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        line = sys.stdin.readline()
        if not line:
            os._exit(0)  # dismissed: no job came
        become(json.loads(line))
    except SystemExit as done:
        code = done.code
        _flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))
    except BaseException:  # the app's own error, or ours before it ran: both go to its log
        import traceback

        traceback.print_exc()
        _flush()
        os._exit(1)
    _flush()
    os._exit(0)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _status(pid: int) -> int | None:
    """A child's exit code (negative: its signal) once it ended, leaving it unreaped."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return -signal.SIGKILL
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        control.send(json.dumps(message).encode())


def serve(control: socket.socket) -> None:
    """Fork a child per request until the channel closes; say when each child ends."""
    reading, wakeup = os.pipe()
    os.set_blocking(reading, False)
    os.set_blocking(wakeup, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wakeup)
    running: set[int] = set()  # forked, not yet said to have ended
    with selectors.DefaultSelector() as selector:
        selector.register(control, selectors.EVENT_READ)
        selector.register(reading, selectors.EVENT_READ)
        while True:
            ready = selector.select(timeout=0.5)  # a lost wake-up costs half a second at most
            if any(key.fileobj == reading for key, _ in ready):
                with contextlib.suppress(BlockingIOError):
                    while os.read(reading, 512):
                        pass
            for pid in sorted(running):
                status = _status(pid)
                if status is not None:
                    running.discard(pid)
                    _send(control, {"exited": pid, "status": status})
            if not any(key.fileobj == control for key, _ in ready):
                continue
            try:
                data, fds, _flags, _address = socket.recv_fds(control, MESSAGE_CAP, 2)
            except OSError:
                return
            if not data:
                return  # the supervisor is gone or done
            _answer(json.loads(data), fds, control, wakeup, running)


def _answer(
    request: dict[str, Any],
    fds: list[int],
    control: socket.socket,
    wakeup: int,
    running: set[int],
) -> None:
    if request.get("op") == "reap":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(int(request["pid"]), 0)
        return
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        _send(control, {"error": "a spawn needs the child's stdin and output"})
        return
    try:
        pid = os.fork()
    except OSError as exc:
        _send(control, {"error": f"fork failed: {exc.strerror or exc}"})
    else:
        if pid == 0:
            _child(request, fds, control, wakeup)
        running.add(pid)
        _send(control, {"spawned": pid})
    finally:
        for fd in fds:
            os.close(fd)


def main(argv: list[str]) -> int:
    """``CONTROL_FD MODULE...``: import the modules (a failure is the children's to show when
    they import it themselves), then serve on the control channel."""
    control = socket.socket(fileno=int(argv[0]))
    for name in argv[1:]:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
