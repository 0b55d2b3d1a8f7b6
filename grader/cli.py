"""The ``grader`` command: a thin click adapter over the engine.

Errors are caught once, here: one line on stderr and the error's exit code (2 for bad input,
3 when the sandbox cannot run), never a traceback unless ``grader --debug`` asks for it.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader import __version__
from grader.challenges import find_challenge, list_challenges
from grader.config import Settings, describe_settings, load_settings
from grader.errors import GraderError

if TYPE_CHECKING:
    from grader.batch import BatchItem
    from grader.results import Result

# The engine (reports, Jinja, Pygments, similarity, rich) is imported by the commands that use
# it: `grader --help`, `config` or `worker` need none of it, and `grade` no batch machinery.

# A result document holds capped logs and messages: far below this.
RESULT_FILE_CAP = 64 << 20


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


class _GraderGroup(click.Group):
    """The ``grader`` group: with ``--debug``, an error's traceback goes to stderr first."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.UsageError):
            raise  # click's own control flow and usage errors: nothing to debug
        except Exception:
            if ctx.params.get("debug"):
                click.echo(traceback.format_exc().rstrip("\n"), err=True)
            raise


@click.group(cls=_GraderGroup)
@click.version_option(__version__, prog_name="grader")
@click.option(
    "--debug", is_flag=True, help="On an error, print its traceback before the one-line message."
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Grade Flask interview submissions in a Docker sandbox with hidden pytest suites."""
    ctx.obj = load_settings()


@cli.command("grade")
@click.argument("challenge_ref", metavar="CHALLENGE")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print exactly the result document.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Folder for the result, reports and exports."
)
@click.option("--bare", is_flag=True, help="Authoring only: run on the host, without the sandbox.")
@click.pass_context
def grade_command(
    ctx: click.Context,
    challenge_ref: str,
    submission: Path,
    as_json: bool,
    out: Path | None,
    bare: bool,
) -> None:
    """Grade SUBMISSION (folder, .zip, .tar[.gz] or .py) against CHALLENGE (slug or path)."""
    from grader.pipeline import grade_path, open_sandbox, write_outputs

    settings = _settings(ctx)
    challenge = find_challenge(challenge_ref, settings.challenges_dir)
    result = grade_path(
        challenge=challenge,
        path=submission,
        sandbox=lambda: open_sandbox(settings, bare=bare),
        settings=settings,
        strict=True,
    )
    out = out or settings.reports_dir / f"{challenge.slug}-{result.submission_sha256[:12]}"
    report = write_outputs(result, out)
    if as_json:
        click.echo(result.to_json())
    else:
        click.echo(
            f"{challenge.slug}: {result.status}, score {result.score:g}/100 ({result.reason})"
        )
        click.echo(f"report: {report}")


@cli.group("challenges")
def challenges_group() -> None:
    """Create, list and prove the challenge bank."""


@challenges_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """List the challenges: slug, difficulty, skills, title."""
    for challenge in list_challenges(_settings(ctx).challenges_dir):
        skills = ", ".join(challenge.skills)
        click.echo(f"{challenge.slug:<20} {challenge.difficulty:<7} {challenge.title}  [{skills}]")


@challenges_group.command("new")
@click.argument("slug")
@click.option(
    "--from",
    "project",
    type=click.Path(path_type=Path),
    metavar="PROJECT",
    help="A Flask project folder: copied as the solution (and the starter, to trim).",
)
@click.option(
    "--entry",
    metavar="ENTRY",
    help="With --from: what the grader serves ('pkg:create_app()', 'app:app'), if detection "
    "finds none or the wrong one.",
)
@click.option(
    "--dir",
    "challenges_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Create the challenge in DIR (default: the bank, GRADER_CHALLENGES_DIR).",
)
@click.pass_context
def new_command(
    ctx: click.Context,
    slug: str,
    project: Path | None,
    entry: str | None,
    challenges_dir: Path | None,
) -> None:
    """Scaffold challenge SLUG: a working example that validates, or, with --from, an existing
    Flask project as its reference; print the next steps."""
    from grader.scaffold import new_challenge

    bank = _settings(ctx).challenges_dir
    where = challenges_dir or bank
    scaffold = new_challenge(slug=slug, challenges_dir=where, project=project, entry=entry)
    in_bank = where.resolve() == bank.resolve()
    for line in scaffold.summary(validate_ref=slug if in_bank else str(scaffold.root)):
        click.echo(line)


@challenges_group.command("validate")
@click.argument("slugs", nargs=-1)
@click.option("--bare", is_flag=True, help="Authoring only: run on the host, without the sandbox.")
@click.option(
    "--mutants",
    type=click.IntRange(min=0),
    is_flag=False,
    flag_value=0,
    default=None,
    metavar="[N]",
    help="Also grade up to N mutants of the reference (no N, or 0: GRADER_MUTANTS_MAX).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of the shuffled reference runs (default: random, printed).",
)
@click.pass_context
def validate_command(
    ctx: click.Context, slugs: tuple[str, ...], bare: bool, mutants: int | None, seed: int | None
) -> None:
    """Prove challenges (default: all): reference 100 in any order, starter low, samples in
    range, every requirement tested; with --mutants, the suite kills the reference's mutants."""
    from grader.pipeline import open_sandbox
    from grader.validation import validate_challenge

    settings = _settings(ctx)
    if slugs:
        challenges = [find_challenge(slug, settings.challenges_dir) for slug in slugs]
    else:
        challenges = list_challenges(settings.challenges_dir)
    if mutants == 0:  # --mutants without a number
        mutants = settings.mutants_max or None
    workers = settings.worker_count()
    failed = []
    started = time.monotonic()
    # Mutants are the hiring team's own reference with one change: trusted code, graded the
    # fast way, on the host (the web app, which holds uploaded challenges, grades them sandboxed).
    with (
        closing(open_sandbox(settings, bare=bare)) as sandbox,
        closing(open_sandbox(settings, bare=True)) as mutant_sandbox,
    ):
        for challenge in challenges:
            report = validate_challenge(
                challenge,
                sandbox=sandbox,
                settings=settings,
                workers=workers,
                seed=seed,
                mutants=mutants,
                mutant_sandbox=mutant_sandbox,
                progress=_status_line(challenge.slug),
            )
            if sys.stderr.isatty():
                click.echo("\r\033[K", nl=False, err=True)
            click.echo(
                f"{challenge.slug}: {'ok' if report.ok else 'FAILED'} (shuffle seed {report.seed})"
            )
            for check in report.checks:
                detail = check.detail.replace("\n", "\n         ")
                label = "ok  " if check.ok else "skip" if check.skipped else "BAD "
                click.echo(f"  {label} {check.name}: {detail}")
            if not report.ok:
                failed.append(challenge.slug)
    if mutants:
        click.echo(
            f"validated {len(challenges)} challenge(s) in {time.monotonic() - started:.0f} s"
        )
    if failed:
        click.echo(f"failed: {', '.join(failed)}", err=True)
        raise click.exceptions.Exit(1)


def _status_line(prefix: str) -> Callable[[str], None]:
    """Show what a long validation is doing on one rewritten terminal line (nothing otherwise)."""
    if not sys.stderr.isatty():
        return lambda _: None
    return lambda line: click.echo(f"\r\033[K{prefix}: {line}"[:200], nl=False, err=True)


@cli.group("sandbox")
def sandbox_group() -> None:
    """Build and tidy the Docker sandbox."""


@sandbox_group.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if an image with the same inputs exists.")
@click.pass_context
def build_command(ctx: click.Context, force: bool) -> None:
    """Build the sandbox image (no network inside the build); print its tag."""
    from grader.sandbox.docker import connect
    from grader.sandbox.image import build_image

    tag = build_image(
        connect(), _settings(ctx), force=force, progress=lambda m: click.echo(m, err=True)
    )
    click.echo(tag)


@sandbox_group.command("reap")
def reap_command() -> None:
    """Remove grading containers left behind by a grader that died."""
    from grader.sandbox.docker import connect, reap_orphans

    click.echo(f"removed {reap_orphans(connect())} orphaned container(s)")


@cli.command("batch")
@click.argument("challenge_refs", metavar="CHALLENGE...", nargs=-1, required=True)
@click.argument("submissions", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Folder for reports and the index.")
@click.option(
    "--broker",
    metavar="URL",
    help="Grade on the `grader worker`s of this Redis broker (redis://HOST:6379/0), not here.",
)
@click.pass_context
def batch_command(
    ctx: click.Context,
    challenge_refs: tuple[str, ...],
    submissions: Path,
    out: Path | None,
    broker: str | None,
) -> None:
    """Grade every submission in DIR in parallel; write reports and an index; print its path.

    One challenge: each entry of DIR is a candidate's submission. Several: each sub-folder of
    DIR is a candidate with one entry per challenge slug (routing.zip, sessions/, ...).
    With --broker, every worker that is up grades; the files and the index are the same.
    """
    from grader.batch import discover

    settings = _settings(ctx)
    challenges = [find_challenge(ref, settings.challenges_dir) for ref in challenge_refs]
    items = discover(challenges, submissions)
    out = out or settings.reports_dir / f"batch-{submissions.name}"
    if broker:
        from dataclasses import replace

        _run_remote_batch_and_print(replace(settings, broker_url=broker), items, out)
    else:
        _run_batch_and_print(settings, items, out)


@cli.command("demo")
@click.option("--out", type=click.Path(path_type=Path), help="Folder for the reports.")
@click.pass_context
def demo_command(ctx: click.Context, out: Path | None) -> None:
    """Grade every bundled sample, write one report each and an index; print the index path."""
    from grader.batch import BatchItem

    settings = _settings(ctx)
    items = [
        BatchItem(sample.name, challenge, sample.path)
        for challenge in list_challenges(settings.challenges_dir)
        for sample in challenge.samples
    ]
    title = "Bundled samples: each sample kind graded across the challenges"
    _run_batch_and_print(settings, items, out or settings.reports_dir / "demo", title)


def _run_batch_and_print(
    settings: Settings, items: list[BatchItem], out: Path, title: str = ""
) -> None:
    from grader.batch import run_batch
    from grader.pipeline import open_sandbox
    from grader.progress import progress_lines

    workers = settings.worker_count()
    with (
        closing(open_sandbox(settings)) as sandbox,
        progress_lines(len(items), "grading") as done,
    ):
        outcome = run_batch(
            items=items,
            sandbox=sandbox,
            settings=settings,
            out_dir=out,
            workers=workers,
            on_done=done,
            title=title,
        )
    click.echo(outcome.index.resolve())


def _run_remote_batch_and_print(settings: Settings, items: list[BatchItem], out: Path) -> None:
    from grader.batch import run_batch
    from grader.progress import progress_lines
    from grader.workers.batch import WAITERS, remote_grader

    grade_item = remote_grader(settings)
    with progress_lines(len(items), "grading") as done:
        outcome = run_batch(
            items=items,
            sandbox=None,
            settings=settings,
            out_dir=out,
            workers=min(WAITERS, len(items)),
            on_done=done,
            grade_item=grade_item,
        )
    click.echo(outcome.index.resolve())


@cli.command("bench")
@click.option(
    "--runs",
    default=7,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Gradings per mode (with --workers: rounds per mode).",
)
@click.option("--challenge", "challenge_ref", default="routing", show_default=True)
@click.option(
    "--workers",
    "worker_counts",
    metavar="K,K...",
    help="Instead: gradings per minute with K at once, local pool against `grader worker` "
    "through the broker (GRADER_BROKER_URL and GRADER_DATABASE_URL, or --broker).",
)
@click.option("--broker", metavar="URL", help="With --workers: the Redis broker to go through.")
@click.option(
    "--similarity",
    "similarity_size",
    type=click.IntRange(2, 100_000),
    metavar="N",
    help="Instead: time the similarity of N varied copies of the reference (no Docker).",
)
@click.option(
    "--assessment",
    is_flag=True,
    help="Instead: every reference of the bank as one candidate through `grader batch`, "
    "against each graded bare alone; wall time, sums and issue 16's target.",
)
@click.option(
    "--throughput",
    "copies",
    type=click.IntRange(1, 10_000),
    metavar="N",
    help="Instead: N copies of the reference through `grader batch`; gradings per minute "
    "and CPU-seconds per grading.",
)
@click.option(
    "--bare",
    is_flag=True,
    help="With --assessment or --throughput: run the batch bare too (checks the benchmark).",
)
@click.pass_context
def bench_command(
    ctx: click.Context,
    runs: int,
    challenge_ref: str,
    worker_counts: str | None,
    broker: str | None,
    similarity_size: int | None,
    assessment: bool,
    copies: int | None,
    bare: bool,
) -> None:
    """Grade the reference bare and sandboxed, cold and warm; print medians and ratios."""
    from grader.bench import run_benchmark, run_throughput_benchmark

    modes = [worker_counts is not None, similarity_size is not None, assessment, copies is not None]
    if sum(modes) > 1:
        raise click.UsageError(
            "choose one of --workers, --similarity, --assessment and --throughput"
        )
    if bare and not (assessment or copies):
        raise click.UsageError("--bare goes with --assessment or --throughput")
    settings = _settings(ctx)
    if assessment:
        from grader.bench import run_assessment_benchmark

        bank = list_challenges(settings.challenges_dir)
        assessed = run_assessment_benchmark(
            challenges=bank, settings=settings, runs=runs, bare=bare
        )
        click.echo(assessed.summary())
        return
    challenge = find_challenge(challenge_ref, settings.challenges_dir)
    if copies is not None:
        from grader.bench import run_cohort_benchmark

        cohort = run_cohort_benchmark(
            challenge=challenge, settings=settings, copies=copies, runs=runs, bare=bare
        )
        click.echo(cohort.summary())
        return
    if similarity_size is not None:
        from grader.similarity_bench import run_similarity_bench

        bench = run_similarity_bench(
            challenge=challenge,
            size=similarity_size,
            threshold=settings.similarity_threshold,
            workers=settings.worker_count(),
        )
        click.echo(bench.summary())
        return
    if worker_counts is None:
        click.echo(run_benchmark(challenge=challenge, settings=settings, runs=runs).summary())
        return
    try:
        counts = [int(part) for part in worker_counts.split(",")]
    except ValueError as exc:
        raise click.BadParameter("a list of numbers such as 1,2", param_hint="--workers") from exc
    if broker:
        from dataclasses import replace

        settings = replace(settings, broker_url=broker)
    result = run_throughput_benchmark(
        challenge=challenge, settings=settings, worker_counts=counts, runs=runs
    )
    click.echo(result.summary())


@cli.command("worker")
@click.option(
    "--broker",
    metavar="URL",
    help="Redis broker, redis://HOST:6379/0 (default: GRADER_BROKER_URL).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Gradings at once on this host (default: GRADER_WORKERS, else one per CPU core).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Check the broker, the database, Docker and the sandbox image, then exit.",
)
@click.pass_context
def worker_command(
    ctx: click.Context, broker: str | None, concurrency: int | None, check: bool
) -> None:
    """Grade the web app's runs and batches sent through a Redis broker, on this host's Docker
    (state in GRADER_DATABASE_URL, the web app's database)."""
    from dataclasses import replace

    settings = _settings(ctx)
    if broker:
        settings = replace(settings, broker_url=broker)
    if check:
        from grader.workers.health import run_checks

        ok = run_checks(settings=settings, echo=click.echo)
        raise click.exceptions.Exit(0 if ok else 1)
    from grader.workers.command import run_worker

    run_worker(
        settings=settings, concurrency=concurrency or settings.worker_count(), echo=click.echo
    )


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int) -> None:
    """Run the web app (state in GRADER_DATA_DIR); the first run creates an admin account."""
    from grader.web.server import serve

    serve(settings=_settings(ctx), host=host, port=port, echo=click.echo)


@cli.group("db")
def db_group() -> None:
    """The web app's database (GRADER_DATA_DIR or GRADER_DATABASE_URL): schema migrations."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade_command(ctx: click.Context) -> None:
    """Bring the database to the newest schema, keeping every row (`grader serve` does it too)."""
    from grader.web.schema import upgrade_database
    from grader.web.server import describe_upgrade

    with _web_app_context(ctx):
        click.echo(describe_upgrade(upgrade_database()))


@db_group.command("current")
@click.pass_context
def db_current_command(ctx: click.Context) -> None:
    """Print the database's schema revision and the newest one this grader knows."""
    from grader.web.schema import current_revision, head_revision

    with _web_app_context(ctx):
        current, head = current_revision(), head_revision()
    if current == head:
        click.echo(f"{current} (head)")
    else:
        click.echo(f"{current or 'none'} (head is {head}: run `grader db upgrade`)")


@contextmanager
def _web_app_context(ctx: click.Context) -> Iterator[None]:
    """An application context of the web app (configured only), its connections closed after."""
    from grader.web import create_app
    from grader.web.db import db

    with create_app({"SETTINGS": _settings(ctx)}).app_context():
        try:
            yield
        finally:
            db.engine.dispose()


@cli.command("config")
def config_command() -> None:
    """Show every setting: its variable, the value in effect, where that came from, its meaning."""
    for name, value, source, help_text in describe_settings():
        click.echo(f"{name:<30} {value}  [{source}]\n{'':<30} {help_text}")


@cli.command("report")
@click.argument("result_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out", type=click.Path(path_type=Path), help="Folder for the report (default: beside it)."
)
def report_command(result_file: Path, out: Path | None) -> None:
    """Re-render every report and export of a result document (beside it by default)."""
    from grader.pipeline import write_outputs

    click.echo(write_outputs(_read_result_file(result_file), out or result_file.parent))


@cli.command("diff")
@click.argument("old_file", metavar="OLD", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new_file", metavar="NEW", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def diff_command(old_file: Path, new_file: Path, as_json: bool) -> None:
    """Show what changed from result document OLD to NEW: score, status, tests, versions,
    timings."""
    import dataclasses
    import json

    from grader.diff import describe_diff, diff_results

    diff = diff_results(_read_result_file(old_file), _read_result_file(new_file))
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(diff), indent=2, sort_keys=True))
    else:
        click.echo("\n".join(describe_diff(diff)))


def _read_result_file(result_file: Path) -> Result:
    """Read and check a result document; InputRejected (exit 2) if it is missing or malformed."""
    from grader.errors import InputRejected
    from grader.results import load_result

    if not result_file.is_file():  # a FIFO or /dev/zero would never end
        raise InputRejected(f"{result_file} is not a regular file")
    try:
        with result_file.open("rb") as handle:
            data = handle.read(RESULT_FILE_CAP + 1)
        if len(data) > RESULT_FILE_CAP:
            raise InputRejected(f"{result_file} is larger than a result document can be")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRejected(f"cannot read {result_file}: {exc}") from exc
    try:
        return load_result(text)
    except InputRejected as exc:
        raise InputRejected(f"{result_file}: {exc}") from exc


def main() -> None:
    """Run the CLI; turn every GraderError into one line on stderr and its exit code."""
    try:
        code = cli.main(standalone_mode=False)
    except GraderError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours: still one line, never a traceback to a user
        click.echo(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it", err=True
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
