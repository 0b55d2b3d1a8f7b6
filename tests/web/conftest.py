"""Fixtures for the web app's tests: an app on a temporary data folder, signed-in staff, and a
small world of one assessment with two candidates who each have a graded submission."""

from __future__ import annotations

import atexit
import io
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy
import waitress
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache

from grader.config import PROJECT_ROOT, Settings, load_settings
from grader.pipeline import write_outputs
from grader.results import Result, SkillScore, TestResult
from grader.web import create_app
from grader.web.db import (
    ADMIN,
    DONE,
    INTERVIEWER,
    Assessment,
    AssessmentChallenge,
    Challenge,
    Invite,
    Run,
    Submission,
    User,
    db,
    hash_token,
    new_public_id,
    utcnow,
)
from grader.web.schema import VERSION_TABLE
from grader.web.server import prepare

BANK = PROJECT_ROOT / "challenges"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
INTERVIEWER_EMAIL = "interviewer@example.com"
INTERVIEWER_PASSWORD = "interviewer-password-1"
FAST_HASH = "pbkdf2:sha256:1000"  # scrypt is the default; tests need not pay for it
# Names the candidate must never see: they belong to a hidden test of the fake result.
HIDDEN_TEST_ID = "tests/test_secret.py::test_hidden_secret_converter_rule"
HIDDEN_TEST_DESCRIPTION = "HIDDEN-DESCRIPTION converts negative floats"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class FakeQueue:
    """A GradingQueue that records what it was handed and runs nothing."""

    def __init__(self, app: Flask) -> None:
        self.runs: list[str] = []
        self.validations: list[str] = []
        self.started = False
        self.stopped = False

    def submit(self, run_id: str) -> None:
        self.runs.append(run_id)

    def submit_validation(self, version_id: str) -> None:
        self.validations.append(version_id)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small challenge bank: two real challenges from the project's bank."""
    root = tmp_path_factory.mktemp("bank")
    for slug in ("routing", "flask-basics"):
        shutil.copytree(BANK / slug, root / slug, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def make_settings(data_dir: Path, bank: Path, **overrides: object) -> Settings:
    """Settings for one app under test: its own data folder, cookies over plain HTTP."""
    values = {
        "data_dir": data_dir,
        "challenges_dir": bank,
        "session_cookie_secure": 0,
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "max_upload_mb": 1,
        # Module-wide apps sign staff in from one address many times; test_rate_limits.py and
        # test_security.py check the limits themselves.
        "ratelimit_sign_in_address": "1000 per minute",
        **overrides,
    }
    return load_settings(environ={}, overrides=values)


@contextmanager
def fresh_data_dir(fallback: Path) -> Iterator[Path]:
    """A fresh data folder; on tmpfs where there is one, as fsync there costs nothing."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        root = Path(tempfile.mkdtemp(prefix="grader-web-", dir=shm))
        try:
            yield root / "data"
        finally:
            shutil.rmtree(root, ignore_errors=True)
    else:
        yield fallback / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    with fresh_data_dir(tmp_path) as path:
        yield path


@pytest.fixture
def settings_web(data_dir: Path, bank: Path) -> Settings:
    return make_settings(data_dir, bank)


def _pg_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def _free_pg_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A PostgreSQL database: GRADER_TEST_DATABASE_URL, or a throwaway server from Debian's
    packages on loopback (initdb + pg_ctl from /usr/lib/postgresql), stopped after the session.

    `make test` installs the `postgresql` package when root on Debian. To use an existing
    database instead (each test drops the app's tables before and after itself):

        GRADER_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
            .venv/bin/pytest tests/web/test_postgres.py tests/web/test_migrations.py
    """
    given = os.environ.get("GRADER_TEST_DATABASE_URL", "")
    if given:
        yield given
        return
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    as_user: list[str] = []
    # Not under pytest's tmp root: that is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_pg_port()
    run = partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
    run([*ctl, "-o", options, "-w", "start"])
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run([*ctl, "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def drop_tables(database_url: str) -> None:
    """Drop the app's tables and Alembic's version table from a test database."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        db.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {VERSION_TABLE}")
    finally:
        engine.dispose()


class _SharedBytecode(BytecodeCache):
    """Compile each template once per test session, not once per app."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()


def make_app(settings: Settings, **config: object) -> Flask:
    """Create and prepare an app as `grader serve` does (database migrated to head, first
    admin, bank, queue started): fast password hashes, a FakeQueue unless told otherwise.

    The admin the preparation created, if any, is left in ``app.extensions["grader.first_run"]``.
    """
    app = create_app(
        {
            "SETTINGS": settings,
            "TESTING": True,
            "PASSWORD_METHOD": FAST_HASH,
            "GRADING_QUEUE_FACTORY": FakeQueue,
            **config,
        }
    )
    app.jinja_env.bytecode_cache = _BYTECODE
    app.extensions["grader.first_run"] = prepare(app).first_run
    return app


@pytest.fixture
def app(settings_web: Settings) -> Flask:
    return make_app(settings_web)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def client_at(app: Flask, address: str) -> FlaskClient:
    """A test client whose requests come from ``address`` (what rate limits key on)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def queue(app: Flask) -> FakeQueue:
    return app.extensions["grader"].queue


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Read the CSRF token a page hands out (every page carries it in a meta tag)."""
    response = client.get(path, follow_redirects=True)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict | None = None, **kwargs: object):
    """POST with a valid CSRF token for this client's session."""
    form = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=form, **kwargs)


class AuthActions:
    """Sign staff in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):
        return post(self._client, "/login", {"email": email, "password": password})

    def login_interviewer(self):
        return self.login(INTERVIEWER_EMAIL, INTERVIEWER_PASSWORD)

    def logout(self):
        return post(self._client, "/logout")


@pytest.fixture
def auth(client: FlaskClient, interviewer: User) -> AuthActions:
    return AuthActions(client)


def add_interviewer(app: Flask) -> User:
    """Create the interviewer account (the admin exists from the first run)."""
    from werkzeug.security import generate_password_hash

    with app.app_context():
        user = User(
            email=INTERVIEWER_EMAIL,
            name="Ines Interviewer",
            role=INTERVIEWER,
            password_hash=generate_password_hash(INTERVIEWER_PASSWORD, method=FAST_HASH),
        )
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


@pytest.fixture
def interviewer(app: Flask) -> User:
    return add_interviewer(app)


def fake_result(candidate: str, score: float) -> Result:
    """A graded result with one visible and one hidden test (whose names must stay hidden)."""
    return Result(
        challenge="routing",
        challenge_title="URL routing",
        challenge_version="0123456789abcdef",
        submission_sha256="ab" * 32,
        submission_name="project.zip",
        status="graded",
        reason="1 of 2 tests passed",
        score=score,
        tests=(
            TestResult(
                id="tests/test_urls.py::test_index_visible",
                description="GET / answers 200",
                skill="routing",
                weight=1.0,
                outcome="passed",
                message="",
                duration_s=0.01,
                visible=True,
            ),
            TestResult(
                id=HIDDEN_TEST_ID,
                description=HIDDEN_TEST_DESCRIPTION,
                skill="converters",
                weight=1.0,
                outcome="failed",
                message="HIDDEN-MESSAGE expected 404",
                duration_s=0.01,
                visible=False,
            ),
        ),
        skills={
            "routing": SkillScore(1.0, 1.0, 1, 1),
            "converters": SkillScore(0.0, 1.0, 0, 1),
        },
        app_log="HIDDEN-LOG GET /secret-probe",
        candidate=candidate,
        graded_at="2026-11-25T12:00:00+00:00",
    )


@dataclass
class World:
    """Ids and tokens of one assessment with candidates A and B, each with a graded run."""

    assessment: str
    token_a: str
    token_b: str
    invite_a: str
    invite_b: str
    submission_a: str
    submission_b: str
    run_a: str
    run_b: str
    version: str  # the published version of routing
    extra: dict[str, str] = field(default_factory=dict)


def zip_bytes(files: dict[str, bytes | str]) -> bytes:
    """Zip a mapping of relative path -> content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_folder(folder: Path, prefix: str | None = None) -> bytes:
    """Zip a folder on disk (skipping caches), under ``prefix/`` if given."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(folder).as_posix()
            files[f"{prefix}/{rel}" if prefix else rel] = path.read_bytes()
    return zip_bytes(files)


_RENDERED: dict[tuple[str, float], Path] = {}


def _write_result(candidate: str, score: float, out_dir: Path) -> None:
    """Write a fake result's files with the real writer, rendering each variant only once."""
    key = (candidate, score)
    if key not in _RENDERED:
        cache = Path(tempfile.mkdtemp(prefix="grader-web-results-"))
        atexit.register(shutil.rmtree, cache, True)
        write_outputs(fake_result(candidate, score), cache)
        _RENDERED[key] = cache
    shutil.copytree(_RENDERED[key], out_dir)


def _graded_submission(
    app: Flask, invite: Invite, challenge: Challenge, score: float
) -> tuple[str, str]:
    settings = app.extensions["grader"].settings
    version = challenge.published
    submission_id = new_public_id()
    folder = settings.data_dir / "submissions" / submission_id / "files"
    folder.mkdir(parents=True)
    (folder / "project.zip").write_bytes(zip_bytes({"app.py": "app = None\n"}))
    submission = Submission(
        public_id=submission_id,
        invite=invite,
        challenge=challenge,
        stored_path=f"submissions/{submission_id}/files/project.zip",
        source_name="project.zip",
        size_bytes=100,
        sha256="ab" * 32,
    )
    db.session.add(submission)
    run = Run(
        submission=submission,
        version=version,
        state=DONE,
        result_status="graded",
        score=score,
        reason="1 of 2 tests passed",
        finished_at=utcnow(),
    )
    db.session.add(run)
    db.session.flush()
    run.result_dir = f"runs/{run.public_id}"
    _write_result(invite.candidate_name, score, settings.data_dir / run.result_dir)
    return submission_id, run.public_id


def build_world(app: Flask) -> World:
    """Create the assessment, both invites and their graded submissions directly in the DB."""
    with app.app_context():
        routing = db.session.scalar(db.select(Challenge).filter_by(slug="routing"))
        basics = db.session.scalar(db.select(Challenge).filter_by(slug="flask-basics"))
        admin = db.session.scalar(db.select(User).filter_by(role=ADMIN))
        now = utcnow()
        assessment = Assessment(
            name="Backend round",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3),
            created_by_id=admin.id,
        )
        assessment.items = [
            AssessmentChallenge(challenge=routing, position=0),
            AssessmentChallenge(challenge=basics, position=1),
        ]
        token_a, token_b = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        invite_a = Invite(
            assessment=assessment,
            candidate_name="Alice Candidate",
            candidate_email="alice@example.com",
            token_hash=hash_token(token_a),
            expires_at=assessment.closes_at,
        )
        invite_b = Invite(
            assessment=assessment,
            candidate_name="Bob Candidate",
            token_hash=hash_token(token_b),
            expires_at=assessment.closes_at,
        )
        db.session.add_all([assessment, invite_a, invite_b])
        db.session.flush()
        submission_a, run_a = _graded_submission(app, invite_a, routing, 50.0)
        submission_b, run_b = _graded_submission(app, invite_b, routing, 80.0)
        db.session.commit()
        return World(
            assessment=assessment.public_id,
            token_a=token_a,
            token_b=token_b,
            invite_a=invite_a.public_id,
            invite_b=invite_b.public_id,
            submission_a=submission_a,
            submission_b=submission_b,
            run_a=run_a,
            run_b=run_b,
            version=routing.published.public_id,
        )


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, bank: Path) -> Iterator[tuple[Flask, World]]:
    """One app and world for a module's read-only tests (each test takes a fresh client)."""
    with fresh_data_dir(tmp_path_factory.mktemp("shared")) as path:
        app = make_app(make_settings(path, bank))
        add_interviewer(app)
        yield app, build_world(app)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings_db(request: pytest.FixtureRequest, data_dir: Path, bank: Path) -> Iterator[Settings]:
    """Settings of a data folder whose database is empty: SQLite in it, or PostgreSQL."""
    if request.param == "sqlite":
        yield make_settings(data_dir, bank)
        return
    url = request.getfixturevalue("database_url")
    drop_tables(url)
    try:
        yield make_settings(data_dir, bank, database_url=url)
    finally:
        drop_tables(url)


@contextmanager
def served_in_thread(app: Flask, *, threads: int = 4, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on waitress in a thread on loopback; yield its base URL; stop it after.

    Closing the server from this thread can make the loop's next poll fail with a bad file
    descriptor: that is the shutdown itself, not a fault, and is not reported as one.
    """
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=threads)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="test-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.close()
        thread.join(10)
