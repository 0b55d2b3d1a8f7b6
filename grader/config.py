"""Every setting of the grader, declared once: type, default, help, environment variable.

Settings are built from defaults, then an optional TOML file (``GRADER_CONFIG``), then
``GRADER_*`` environment variables, then explicit overrides. No other module reads
``os.environ``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from grader.errors import InputRejected

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """The grader's configuration; read ``help`` in each field's metadata."""

    challenges_dir: Path = _setting(PROJECT_ROOT / "challenges", "folder of the challenge bank")
    reports_dir: Path = _setting(PROJECT_ROOT / "reports", "where reports are written by default")
    cache_dir: Path = _setting(PROJECT_ROOT / ".cache", "wheelhouse and image build cache")
    sandboxes_dir: Path = _setting(PROJECT_ROOT / "sandboxes", "Docker build context")
    image_repository: str = _setting("flask-grader-sandbox", "name of the sandbox image")
    base_image: str = _setting("flask-grader-base:py3.11-bookworm", "tag of the base image")
    deadline_s: float = _setting(90.0, "wall clock for one run, container start to results")
    app_start_timeout_s: float = _setting(15.0, "how long the app may take to listen")
    setup_timeout_s: float = _setting(
        60.0, "how long a challenge's set-up steps may take in all (added to the deadline)"
    )
    test_timeout_s: float = _setting(10.0, "per-test (and per-request) timeout")
    memory_mb: int = _setting(512, "memory limit (memory+swap) of a run's container")
    cpus: float = _setting(2.0, "CPU quota of a run's container (the app and pytest overlap)")
    pids: int = _setting(128, "process and thread limit of a run's container")
    tmpfs_mb: int = _setting(64, "size of the candidate's writable scratch space")
    log_cap_bytes: int = _setting(64 * 1024, "bytes of the app's output kept")
    output_cap_bytes: int = _setting(8 * 1024 * 1024, "bytes read back from a container")
    workers: int = _setting(0, "parallel gradings in a batch (0: one per CPU core)")
    similarity_threshold: float = _setting(
        70.0,
        "cohorts: flag two submissions to one challenge whose code shares at least this percent "
        "of the smaller one's fingerprints (starter and statement code left out; see "
        "grader.similarity); identical submissions are always flagged",
    )
    mutants_max: int = _setting(
        400, "validation: most mutants of a reference graded (web app and --mutants; 0: none)"
    )
    # The web app (`grader serve`).
    data_dir: Path = _setting(
        Path.home() / ".local" / "share" / "flask-grader",
        "web app: database, stored submissions, reports, secret key",
    )
    database_url: str = _setting("", "web app: SQLAlchemy URL (empty: SQLite in data_dir)")
    secret_key: str = _setting("", "web app: session signing key (empty: generated in data_dir)")
    max_upload_mb: int = _setting(16, "web app: largest upload accepted, in MiB")
    admin_email: str = _setting("admin@localhost", "web app: the admin created on first run")
    admin_password: str = _setting("", "web app: first admin's password (empty: generated)")
    session_cookie_secure: int = _setting(1, "web app: cookies on HTTPS only (1) or HTTP too (0)")
    web_workers: int = _setting(0, "web app: parallel gradings (0: one per CPU core)")
    # Grading on many machines (`grader worker`, the web app with a broker).
    broker_url: str = _setting(
        "", "workers: Celery broker, redis://host:6379/0 (empty: the web app grades in-process)"
    )
    broker_visibility_timeout_s: float = _setting(
        600.0,
        "workers: seconds before a task a dead worker held is delivered again; must exceed a "
        "run's deadline_s (Redis keeps unacknowledged tasks this long)",
    )
    run_lease_s: float = _setting(
        60.0,
        "workers: a claimed run is its worker's while it renews this lease; once expired "
        "(the worker died) another delivery re-claims the run",
    )
    # Rate limits: "N per <period>" windows separated by ";"; a client over any of them waits
    # for that window to end, so each longer window makes the wait grow.
    ratelimit_storage_url: str = _setting(
        "", "web app: rate-limit counters: empty for the database, or redis://host:6379/0"
    )
    ratelimit_sign_in_address: str = _setting(
        "10 per minute; 40 per hour; 150 per day",
        "web app: sign-in attempts (right or wrong) from one client address",
    )
    ratelimit_sign_in_account: str = _setting(
        "5 per minute; 20 per hour; 100 per day",
        "web app: failed sign-ins to one account from all addresses (a right password from an "
        "address without recent failures still signs in)",
    )
    ratelimit_failing_address_s: int = _setting(
        900, "web app: seconds an address counts as failing after a wrong password"
    )
    ratelimit_invite_guesses: str = _setting(
        "10 per minute; 30 per hour; 100 per day",
        "web app: unknown invite links tried from one client address",
    )
    # A hiring round: invites by e-mail (grader.web.mail) and candidates' timers.
    smtp_url: str = _setting(
        "",
        "web app: SMTP server for invite mail: smtp://user:pass@host:587?starttls=1 or "
        "smtps://user:pass@host:465 (empty: no mail; links are copied by hand)",
    )
    mail_from: str = _setting(
        "", "web app: From address of invite mail (empty: grader@ the SMTP server's host)"
    )
    mail_timeout_s: float = _setting(30.0, "web app: seconds one SMTP delivery may take")
    upload_grace_s: float = _setting(
        120.0,
        "web app: uploads still accepted this long after a candidate's deadline (the window's "
        "close or their time budget), for uploads already under way",
    )
    invite_csv_max_rows: int = _setting(500, "web app: most candidates in one CSV of invites")
    results_access_days: int = _setting(
        90, "web app: days after the window closes that candidates may still read their results"
    )
    # Integrations: the JSON API (bearer tokens) and webhooks (grader.web.api, .webhooks).
    public_url: str = _setting(
        "",
        "web app: the address people and integrations reach it at (https://grader.example.com); "
        "links made outside a request (webhook payloads) start with it (empty: a path only)",
    )
    ratelimit_api: str = _setting(
        "300 per minute; 5000 per hour", "web app: JSON API requests per token (or per address)"
    )
    webhook_timeout_s: float = _setting(10.0, "webhooks: seconds one delivery attempt may take")
    webhook_max_attempts: int = _setting(
        10, "webhooks: attempts per delivery before it is given up (each one recorded)"
    )
    webhook_backoff_s: float = _setting(
        30.0, "webhooks: wait before the first retry; it doubles after each failed attempt"
    )
    webhook_backoff_max_s: float = _setting(3600.0, "webhooks: longest wait between attempts")
    webhook_poll_s: float = _setting(
        5.0, "webhooks: how often the sender looks for deliveries other processes queued"
    )
    webhook_refuse_private: int = _setting(
        0,
        "webhooks: 1 refuses URLs whose host resolves to a loopback, private, link-local or "
        "other non-public address (SSRF); 0 allows them (an ATS on the same network)",
    )

    def worker_count(self, override: int = 0) -> int:
        """Parallel gradings: an explicit override, else ``workers``, else one per CPU core."""
        return override or self.workers or max(1, os.cpu_count() or 1)

    @property
    def limits(self) -> dict[str, float]:
        """The run limits a challenge manifest may tighten."""
        return {name: getattr(self, name) for name in LIMIT_NAMES}


LIMIT_NAMES = (
    "deadline_s", "app_start_timeout_s", "setup_timeout_s", "test_timeout_s", "memory_mb", "cpus",
    "pids", "tmpfs_mb",
)  # fmt: skip


def _coerce(name: str, kind: type, value: Any) -> Any:
    try:
        if kind is Path:
            return Path(value).expanduser()
        if kind is int and isinstance(value, str):
            return int(value, 10)
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise InputRejected(f"setting {name!r}: {value!r} is not a valid {kind.__name__}") from exc


def load_settings(
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings from defaults, the config file, the environment and overrides."""
    return _layered(environ, overrides)[0]


def _layered(
    environ: Mapping[str, str] | None, overrides: Mapping[str, Any] | None
) -> tuple[Settings, dict[str, str]]:
    """Return the settings and, for each one not at its default, the layer that set it."""
    environ = os.environ if environ is None else environ
    # Each field's type is its annotation's text, as `from __future__ import annotations` keeps it.
    kinds = {f.name: str(f.type) for f in fields(Settings)}
    types = {"Path": Path, "str": str, "float": float, "int": int}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    config_file = environ.get("GRADER_CONFIG")
    if config_file:
        if not Path(config_file).is_file():
            raise InputRejected(f"config file {config_file} is not a regular file")
        try:
            from_file = tomllib.loads(Path(config_file).read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputRejected(f"config file {config_file}: {exc}") from exc
        except RecursionError as exc:
            raise InputRejected(f"config file {config_file}: nested too deeply to read") from exc
        values.update(from_file)
        sources.update(dict.fromkeys(from_file, f"config file {config_file}"))
    for name in kinds:
        env_value = environ.get(f"GRADER_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
            sources[name] = f"environment GRADER_{name.upper()}"
    values.update(overrides or {})
    sources.update(dict.fromkeys(overrides or {}, "command line"))
    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise InputRejected(f"unknown setting {unknown[0]!r}; see `grader config` for the list")
    coerced = {name: _coerce(name, types[kinds[name]], v) for name, v in values.items()}
    return replace(Settings(), **coerced), sources


SECRET_SETTINGS = frozenset({"secret_key", "admin_password", "database_url", "broker_url"})


def describe_settings(
    *, environ: Mapping[str, str] | None = None
) -> list[tuple[str, str, str, str]]:
    """Return (environment variable, value in effect, where it came from, help) per setting.

    Secrets (the session key, the first admin's password, a database URL that may hold one)
    are shown only as set or not.
    """
    settings, sources = _layered(environ, None)
    rows = []
    for f in fields(Settings):
        value = getattr(settings, f.name)
        shown = str(value)
        if f.name in SECRET_SETTINGS:
            shown = "(set)" if value else "(not set)"
        rows.append(
            (f"GRADER_{f.name.upper()}", shown, sources.get(f.name, "default"), f.metadata["help"])
        )
    return rows
