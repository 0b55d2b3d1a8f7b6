"""Pytest plugin for hidden suites: fixtures, markers, per-test timeouts, raw results file.

PYTEST_DONT_REWRITE: loaded with ``-p``, this module would have its asserts rewritten on every
run, in a sandbox that cannot keep the result; it has no assert that needs rewriting.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
import os
import random
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from grader.testkit.app_files import AppFileError, AppFiles
from grader.testkit.client import Client, Exchange, Response
from grader.testkit.source import Source

RESULTS_SCHEMA = "grader.raw/1"
MESSAGE_CAP = 2000
MAX_COLLECTION_ERRORS = 100
DEFAULT_TEST_TIMEOUT_S = 10.0
DEFAULT_SKILL = "general"
READY_WAIT_S = 120.0
MAX_EXCHANGES = 20  # per failing test: the last ones, where the promise broke
APP_FILES_COPY_TIMEOUT_S = 5.0  # at most half the test's own timeout
REQUIREMENT_ID = re.compile(r"^R[1-9]\d{0,3}$")
HINT_CHARS = 300  # a hint is a sentence for candidates, not a walkthrough
# An exchange's times (CLOCK_MONOTONIC): sent, answered, and when the suite's next request or
# test began. The host cuts the app's log of a visible test's failed request by them; a hidden
# test's rows never carry them, so nothing of its log can be cut for a candidate.
EXCHANGE_TIMES = ("t0", "t1", "t_next")

MARKERS = (
    "weight(n): the test's weight in the score (a positive number; default 1)",
    "skill(name): the skill the report groups the test under (default: GRADER_DEFAULT_SKILL)",
    "visible: candidates may see this test in full (name, docstring, message)",
    'requirement(*ids): the statement\'s numbered requirements the test checks ("R1", "R4")',
    "hint(text): advice a candidate who fails this hidden test reads (never its name or checks)",
)


@dataclass(frozen=True)
class Settings:
    """The plugin's whole configuration, read from the environment the supervisor sets."""

    app_url: str | None = None  # GRADER_APP_URL: base URL of the running app
    app_socket: str | None = None  # GRADER_APP_SOCKET: the app's Unix socket, when it has one
    source_dir: Path | None = None  # GRADER_SOURCE_DIR: a copy of the submitted files
    results_file: Path | None = None  # GRADER_RESULTS_FILE: raw results JSON; unset: none
    test_timeout_s: float = DEFAULT_TEST_TIMEOUT_S  # GRADER_TEST_TIMEOUT_S: per test and request
    default_skill: str = DEFAULT_SKILL  # GRADER_DEFAULT_SKILL: skill of unmarked tests
    ready_file: Path | None = None  # GRADER_READY_FILE: run tests only once this file exists
    app_env: Mapping[str, str] = field(default_factory=dict)  # GRADER_APP_ENV: manifest's env
    shuffle_seed: int | None = None  # GRADER_SHUFFLE_SEED: run the tests in a seeded random order
    fail_fast: bool = False  # GRADER_FAIL_FAST=1: stop at the first failure (mutation testing)
    app_files_socket: Path | None = None  # GRADER_APP_FILES_SOCKET: where to ask for app files

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Build the settings from GRADER_* variables; empty ones count as unset."""

        def value(name: str) -> str | None:
            return environ.get(name, "").strip() or None

        timeout_text = value("GRADER_TEST_TIMEOUT_S")
        timeout_s = DEFAULT_TEST_TIMEOUT_S
        if timeout_text is not None:
            try:
                timeout_s = float(timeout_text)
            except ValueError:
                timeout_s = math.nan
            if not (math.isfinite(timeout_s) and timeout_s > 0):
                raise pytest.UsageError(
                    f"GRADER_TEST_TIMEOUT_S must be a positive number of seconds, "
                    f"not {timeout_text!r}"
                )
        source_dir = value("GRADER_SOURCE_DIR")
        results_file = value("GRADER_RESULTS_FILE")
        ready_file = value("GRADER_READY_FILE")
        app_files_socket = value("GRADER_APP_FILES_SOCKET")
        try:
            app_env = json.loads(value("GRADER_APP_ENV") or "{}")
        except json.JSONDecodeError as e:
            raise pytest.UsageError(f"GRADER_APP_ENV is not JSON: {e}") from e
        seed_text = value("GRADER_SHUFFLE_SEED")
        if seed_text is not None and not seed_text.isdigit():
            raise pytest.UsageError(f"GRADER_SHUFFLE_SEED must be digits, not {seed_text!r}")
        return cls(
            app_url=value("GRADER_APP_URL"),
            app_socket=value("GRADER_APP_SOCKET"),
            source_dir=Path(source_dir) if source_dir else None,
            results_file=Path(results_file) if results_file else None,
            test_timeout_s=timeout_s,
            default_skill=value("GRADER_DEFAULT_SKILL") or DEFAULT_SKILL,
            ready_file=Path(ready_file) if ready_file else None,
            app_env={str(k): str(v) for k, v in app_env.items()},
            shuffle_seed=int(seed_text) if seed_text is not None else None,
            fail_fast=value("GRADER_FAIL_FAST") == "1",
            app_files_socket=Path(app_files_socket) if app_files_socket else None,
        )


_SETTINGS = pytest.StashKey[Settings]()
_RECORDER = pytest.StashKey["_Recorder"]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers, read the settings and start recording results."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    settings = Settings.from_environ(os.environ)
    recorder = _Recorder(settings)
    config.stash[_SETTINGS] = settings
    config.stash[_RECORDER] = recorder
    if settings.fail_fast:
        config.option.maxfail = 1
    config.pluginmanager.register(recorder, "grader-testkit-recorder")


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_url(pytestconfig: pytest.Config) -> str:
    """Return the base URL of the candidate's running app."""
    url = pytestconfig.stash[_SETTINGS].app_url
    if url is None:
        pytest.fail(
            "GRADER_APP_URL is not set: the grader sets it to the app's base URL "
            "(set it by hand, e.g. http://127.0.0.1:8000, to run the suite on its own)",
            pytrace=False,
        )
    try:
        Client(url)
    except ValueError as e:
        pytest.fail(f"GRADER_APP_URL is not usable: {e}", pytrace=False)
    return url


@pytest.fixture
def make_client(request: pytest.FixtureRequest, app_url: str) -> Callable[[], Client]:
    """Return a factory of independent clients (own cookie jars) on the app."""
    settings = request.config.stash[_SETTINGS]
    recorder = request.config.stash[_RECORDER]
    on_exchange = partial(recorder.record_exchange, request.node.nodeid)

    def make() -> Client:
        return Client(
            app_url,
            timeout_s=settings.test_timeout_s,
            on_exchange=on_exchange,
            unix_socket=settings.app_socket,
        )

    return make


@pytest.fixture
def client(make_client: Callable[[], Client]) -> Client:
    """Return a client on the app with a fresh cookie jar."""
    return make_client()


@pytest.fixture(scope="session")
def source(pytestconfig: pytest.Config) -> Source:
    """Return a read-only view of the submitted files."""
    source_dir = pytestconfig.stash[_SETTINGS].source_dir
    if source_dir is None:
        pytest.fail(
            "GRADER_SOURCE_DIR is not set: the grader sets it to a copy of the submitted files",
            pytrace=False,
        )
    if not source_dir.is_dir():
        pytest.fail(f"GRADER_SOURCE_DIR {source_dir} is not a folder", pytrace=False)
    return Source(source_dir)


@pytest.fixture(scope="session")
def app_env(pytestconfig: pytest.Config) -> dict[str, str]:
    """Return the environment the manifest's ``[app.env]`` gave the app (a copy)."""
    return dict(pytestconfig.stash[_SETTINGS].app_env)


@pytest.fixture
def app_files(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Generator[AppFiles, None, None]:
    """Return read-only snapshots of the files the app wrote in its folder, taken when asked.

    SQLite connections it opened are closed, and its snapshots deleted, when the test ends.
    """
    settings = pytestconfig.stash[_SETTINGS]
    if settings.app_files_socket is None:
        pytest.fail(
            "GRADER_APP_FILES_SOCKET is not set: the grader's supervisor sets it to the socket "
            "it copies the app's files through (a suite run by hand has no app_files)",
            pytrace=False,
        )
    files = AppFiles(
        settings.app_files_socket,
        tmp_path_factory.mktemp("app-files"),
        copy_timeout_s=min(APP_FILES_COPY_TIMEOUT_S, settings.test_timeout_s / 2),
        query_timeout_s=settings.test_timeout_s,
    )
    yield files
    files.close()


# -- results --------------------------------------------------------------------------------


@dataclass
class _Phase:
    outcome: str  # passed | failed | skipped, as pytest reports it
    message: str | None
    duration_s: float


@dataclass
class _Row:
    id: str
    name: str
    description: str
    skill: str
    weight: float
    visible: bool
    requirements: list[str] = field(default_factory=list)
    hint: str | None = None
    invalid: str | None = None
    phases: dict[str, _Phase] = field(default_factory=dict)

    def outcome(self) -> tuple[str, str | None]:
        """Return (passed|failed|error|skipped, message) from the phases pytest reported."""
        setup = self.phases.get("setup")
        call = self.phases.get("call")
        teardown = self.phases.get("teardown")
        if self.invalid is not None:
            return "error", self.invalid
        if setup is None:
            return "error", "not run: the session stopped before this test"
        if setup.outcome == "failed":
            return "error", setup.message
        if setup.outcome == "skipped":
            return "skipped", setup.message
        if call is not None and call.outcome == "failed":
            return "failed", call.message
        if teardown is not None and teardown.outcome == "failed":
            return "error", teardown.message
        if call is None:
            return "error", "not run: the session stopped during this test"
        if call.outcome == "skipped":
            return "skipped", call.message
        return "passed", None

    def as_json(self, exchanges: list[Exchange], blamed: Exchange | None) -> dict[str, Any]:
        """Return the row of the results file; a failure's exchanges in order, one marked."""
        outcome, message = self.outcome()
        shown = exchanges[-MAX_EXCHANGES:] if outcome != "passed" else []
        if shown and not any(e is blamed for e in shown):
            blamed = shown[-1]  # nothing named in the failing line: the latest request
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "skill": self.skill,
            "weight": self.weight,
            "visible": self.visible,
            "requirements": self.requirements,
            "hint": self.hint,
            "outcome": outcome,
            "message": _shorten(message) if message is not None else None,
            "duration_s": round(sum(p.duration_s for p in self.phases.values()), 6),
            "exchanges": [{**_timed(e, self.visible), "failing": e is blamed} for e in shown],
            "exchanges_dropped": max(0, len(exchanges) - MAX_EXCHANGES) if shown else 0,
        }


class _Recorder:
    """Collect one row per test, time-limit each test, and write the results file at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rows: dict[str, _Row] = {}
        self.errors: list[str] = []
        self.exchanges: dict[str, list[Exchange]] = {}
        self.blamed: dict[str, Exchange] = {}
        self._unbounded: list[Exchange] = []  # the latest exchanges, whose t_next is unknown

    def record_exchange(self, nodeid: str, exchange: Exchange) -> None:
        """Remember a test's exchanges (all its clients, in order) for the report of a failure."""
        self._bound_previous(exchange.get("t0"))
        self._unbounded.append(exchange)
        kept = self.exchanges.setdefault(nodeid, [])
        kept.append(exchange)
        if len(kept) > 2 * MAX_EXCHANGES:  # the report shows the last MAX_EXCHANGES
            del kept[:MAX_EXCHANGES]

    def _bound_previous(self, started: object) -> None:
        """Note on the exchanges before it when the next request (or test) began.

        What the app logs after that may belong to that request, of another test perhaps, so
        the host never cuts past it; never before an exchange's own end, though: requests a
        test sends at once (threads) overlap, and all of them belong to that one test.
        """
        if not isinstance(started, float):
            return
        for earlier in self._unbounded:
            ended = earlier.get("t1")
            earlier["t_next"] = max(started, ended) if isinstance(ended, float) else started
        self._unbounded.clear()

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        """A test begins: what the app logs from now on is not the previous test's."""
        self._bound_previous(time.monotonic())

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Keep each collection error with its file, capped."""
        if report.failed and len(self.errors) < MAX_COLLECTION_ERRORS:
            where = report.nodeid or str(report.fspath)
            self.errors.append(_shorten(f"{where}: {report.longreprtext.strip()}"))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Describe every test that will run, so that tests never run still get a row."""
        for item in session.items:
            self.rows[item.nodeid] = _describe(item, self.settings.default_skill)
        _wait_for_ready(self.settings.ready_file)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Shuffle the tests with the configured seed, to show order dependence."""
        if self.settings.shuffle_seed is not None:
            random.Random(self.settings.shuffle_seed).shuffle(items)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, None]:
        """On a failure, note which response the failing line looked at."""
        yield
        if call.excinfo is not None and call.when == "call":
            blamed = _blamed_exchange(call.excinfo)
            if blamed is not None:
                self.blamed[item.nodeid] = blamed

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Fail the setup of a test whose markers are invalid."""
        row = self.rows.get(item.nodeid)
        if row is not None and row.invalid is not None:
            pytest.fail(row.invalid, pytrace=False)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, None]:
        """Run the test body under the per-test timeout."""
        with _time_limit(self.settings.test_timeout_s):
            yield

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Record the outcome, message and duration of one phase of a test."""
        row = self.rows.get(report.nodeid)
        if row is None:  # an item added after collection finished
            return
        row.phases[report.when] = _Phase(report.outcome, _message(report), report.duration)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the results file (when configured), also after a failed collection."""
        if self.settings.results_file is None:
            return
        document = {
            "schema": RESULTS_SCHEMA,
            "exit_status": int(exitstatus),
            "collected": session.testscollected,
            "errors": self.errors,
            "tests": [
                row.as_json(self.exchanges.get(nodeid, []), self.blamed.get(nodeid))
                for nodeid, row in self.rows.items()
            ],
        }
        _write_json_atomically(self.settings.results_file, document)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Generator[None, None, None]:
    """Fail the running test after ``seconds`` (SIGALRM; only possible in the main thread)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    armed = threading.Event()

    def on_alarm(signum: int, frame: Any) -> None:
        if armed.is_set():
            armed.clear()
            pytest.fail(f"test exceeded its {seconds:g} s timeout", pytrace=False)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    armed.set()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed.clear()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _describe(item: pytest.Item, default_skill: str) -> _Row:
    problems: list[str] = []
    weight = 1.0
    marker = item.get_closest_marker("weight")
    if marker is not None:
        value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            problems.append(
                f"invalid weight marker {_marker_text(marker)}: "
                "use one positive number, as in @pytest.mark.weight(3)"
            )
        else:
            weight = float(value)
    skill = default_skill
    marker = item.get_closest_marker("skill")
    if marker is not None:
        value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
        if isinstance(value, str) and value.strip():
            skill = value.strip()
        else:
            problems.append(
                f"invalid skill marker {_marker_text(marker)}: "
                'use one skill name, as in @pytest.mark.skill("routing")'
            )
    requirements: list[str] = []
    for marker in item.iter_markers("requirement"):
        ids = marker.args
        if (
            marker.kwargs
            or not ids
            or not all(isinstance(i, str) and REQUIREMENT_ID.match(i) for i in ids)
        ):
            problems.append(
                f"invalid requirement marker {_marker_text(marker)}: "
                'name the statement\'s requirements, as in @pytest.mark.requirement("R1", "R4")'
            )
            continue
        requirements += [i for i in ids if i not in requirements]
    hint = None
    marker = item.get_closest_marker("hint")
    if marker is not None:
        value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
        if isinstance(value, str) and value.strip() and len(value.strip()) <= HINT_CHARS:
            hint = " ".join(value.split())
        else:
            problems.append(
                f"invalid hint marker {_marker_text(marker)}: use one sentence of at most "
                f'{HINT_CHARS} characters, as in @pytest.mark.hint("a failed login answers 401")'
            )
    return _Row(
        id=item.nodeid,
        name=item.name,
        description=_description(item),
        skill=skill,
        weight=weight,
        visible=item.get_closest_marker("visible") is not None,
        requirements=sorted(requirements, key=lambda i: int(i[1:])),
        hint=hint,
        invalid="; ".join(problems) or None,
    )


def _timed(exchange: Exchange, visible: bool) -> Exchange:
    """The exchange as the results file keeps it: with its times for a visible test only."""
    if visible:
        return exchange
    return {k: v for k, v in exchange.items() if k not in EXCHANGE_TIMES}


def _blamed_exchange(excinfo: pytest.ExceptionInfo[BaseException]) -> Exchange | None:
    """Return the exchange of a response the failing statement names, innermost frame first.

    ``assert created.status_code == 201`` blames the request that made ``created``, not the
    last request the test sent. Only frames holding a response are read (reading a frame's
    statement parses its file: doing it for pytest's own frames cost seconds per failure).
    """
    for entry in reversed(excinfo.traceback):
        responses = {
            name: value.exchange
            for name, value in entry.frame.f_locals.items()
            if isinstance(value, Response) and value.exchange is not None
        }
        if not responses or Path(str(entry.path)).parent == _TESTKIT_DIR:
            continue
        try:
            statement = str(entry.statement)
        except Exception:  # no source to read: nothing to blame from this frame
            continue
        for name in _IDENTIFIER.findall(statement):
            if name in responses:
                return responses[name]
    return None


_TESTKIT_DIR = Path(__file__).parent
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _description(item: pytest.Item) -> str:
    """Return the docstring's first line, else the test's name in words; plus any param id."""
    doc = inspect.getdoc(getattr(item, "function", None)) or ""
    lines = [line.strip() for line in doc.splitlines() if line.strip()]
    if lines:
        text = lines[0]
    else:
        name = getattr(item, "originalname", None) or item.name.partition("[")[0]
        text = name.replace("_", " ").strip()
        text = text.removeprefix("test ").strip() or text
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        text = f"{text} [{callspec.id}]"
    return text


def _marker_text(marker: pytest.Mark) -> str:
    arguments = [repr(a) for a in marker.args] + [f"{k}={v!r}" for k, v in marker.kwargs.items()]
    return f"{marker.name}({', '.join(arguments)})"


def _message(report: pytest.TestReport) -> str | None:
    """Return the short message of a failed or skipped phase: the crash line, or the reason."""
    if report.passed:
        return None
    if report.skipped:
        reason = getattr(report, "wasxfail", None)
        if reason is not None:
            return f"expected to fail: {reason}" if reason else "expected to fail"
        longrepr = report.longrepr
        text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        return str(text).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    # A failed check is what every message is about: "AssertionError: " says nothing more
    # (pytest drops it only sometimes); "Failed: " comes from pytest.fail; the client's errors
    # need no module path to be clear.
    text = text.removeprefix("AssertionError: ").removeprefix("Failed: ")
    text = text.removeprefix(f"{Client.__module__}.").removeprefix(f"{AppFileError.__module__}.")
    return clean_message(text)


_OBJECT_REPR = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")
_BOUND_METHOD = re.compile(r"<bound method (\w+)\.(\w+) of <\w+>>")
_PYTEST_HINTS = re.compile(
    r"^\s*(Use -v+ to get (more|the full) diff|Omitting \d+ identical items, use -v+ to show)\s*$"
)


def clean_message(text: str) -> str:
    """Drop pytest's noise from an assertion message: object addresses and verbosity hints."""
    text = _BOUND_METHOD.sub(r"\1.\2", _OBJECT_REPR.sub(r"<\1>", text))
    lines = [line for line in text.splitlines() if not _PYTEST_HINTS.match(line)]
    return "\n".join(lines).strip()


def _shorten(text: str, limit: int = MESSAGE_CAP) -> str:
    """Cap text at ``limit`` characters, keeping its start and its end."""
    if len(text) <= limit:
        return text
    marker = "\n[...]\n"
    head = (limit - len(marker)) // 4
    tail = limit - len(marker) - head
    return text[:head] + marker + text[-tail:]


def _wait_for_ready(ready_file: Path | None, limit_s: float = READY_WAIT_S) -> None:
    """Wait for the supervisor's signal that the app serves.

    pytest starts while the app is still starting, so both start-ups overlap; the supervisor
    kills this process if the app never serves, so the bound here is only a backstop.
    """
    if ready_file is None:
        return
    deadline = time.monotonic() + limit_s
    while not ready_file.exists():
        if time.monotonic() > deadline:
            raise pytest.UsageError(f"the app was not ready after {limit_s:g} s")
        time.sleep(0.005)


def _write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    """Write the file whole or not at all: a temporary file in the same folder, then a rename."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1, allow_nan=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
