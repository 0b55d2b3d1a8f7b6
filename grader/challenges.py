"""The challenge bank: load, check and find challenge folders (data written by hiring teams)."""

from __future__ import annotations

import ast
import difflib
import hashlib
import math
import re
import shlex
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.config import LIMIT_NAMES
from grader.errors import ChallengeError
from grader.intake import is_junk
from grader.requirements import RequirementError, parse_requirements
from grader.scoring import Cap, compile_formula

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ENTRY_TARGET = re.compile(r"^([A-Za-z_][\w.]*):([A-Za-z_]\w*)$")
ENTRY_MAX_CHARS = 500
ENTRY_MAX_DEPTH = 16  # lists/tuples/dicts inside an argument
ENTRY_SHAPES = "'module:app', 'module:factory()' or 'module:factory(literal arguments)'"
DIFFICULTIES = ("easy", "medium", "hard")
DEFAULT_MUTATION_THRESHOLD = 90.0
MUTANT_ID = re.compile(r"^[\w./-]+\.py:\d+:[a-z-]+:\d+$")


@dataclass(frozen=True)
class AppEntry:
    """A parsed ``[app] entry``: serve ``module:attribute``, called first with literal arguments.

    The arguments are plain JSON values (tuples already lists), as the job carries them.
    """

    module: str
    attribute: str
    call: bool = False
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def job_fields(self) -> dict[str, Any]:
        """What the supervisor reads from the job to load the app."""
        return {
            "module": self.module,
            "attribute": self.attribute,
            "call": self.call,
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
        }


def parse_entry(entry: str) -> AppEntry:
    """Parse ``module:attr``, ``module:factory()`` or ``module:factory(literals)``; never run it.

    The argument list is parsed with ``ast`` and each argument read with ``ast.literal_eval``:
    str, int, float, bool, None and lists, tuples and dicts (string keys) of those.
    """
    if len(entry) > ENTRY_MAX_CHARS:
        raise ChallengeError(
            f"entry is {len(entry)} characters long; at most {ENTRY_MAX_CHARS} are allowed"
        )
    target, paren, arguments = entry.partition("(")
    found = ENTRY_TARGET.match(target)
    if not found:
        raise ChallengeError(f"entry {entry!r} must look like {ENTRY_SHAPES}")
    module, attribute = found.groups()
    if not paren:
        return AppEntry(module, attribute)
    try:
        tree = ast.parse(f"f({arguments}", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise ChallengeError(f"entry {entry!r} does not parse: {reason}") from None
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"):
        raise ChallengeError(f"entry {entry!r} must be one call: {ENTRY_SHAPES}")
    args = []
    for number, node in enumerate(call.args, start=1):
        if isinstance(node, ast.Starred):
            raise ChallengeError(f"entry argument {number} unpacks *{_text(node.value)}")
        args.append(_entry_literal(node, f"entry argument {number}"))
    kwargs: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise ChallengeError(f"entry unpacks **{_text(keyword.value)}")
        if keyword.arg in kwargs:
            raise ChallengeError(f"entry repeats argument {keyword.arg}=")
        kwargs[keyword.arg] = _entry_literal(keyword.value, f"entry argument {keyword.arg}=")
    return AppEntry(module, attribute, True, tuple(args), kwargs)


def _entry_literal(node: ast.expr, what: str) -> Any:
    """One argument's value, as JSON will carry it; a ChallengeError naming what is wrong."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise ChallengeError(f"{what} is not a literal: {_text(node)}") from None
    return _json_value(value, what, _text(node), 0)


def _text(node: ast.expr) -> str:
    """The source of an argument, for a message; ast.unparse recurses once per nesting level."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return "(an expression nested too deeply)"


def _json_value(value: Any, what: str, text: str, depth: int) -> Any:
    if depth > ENTRY_MAX_DEPTH:
        raise ChallengeError(f"{what} is nested more than {ENTRY_MAX_DEPTH} deep: {text}")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ChallengeError(f"{what} is not a finite number: {text}")
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item, what, text, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ChallengeError(f"{what} has a dict key that is not a string: {text}")
        return {key: _json_value(item, what, text, depth + 1) for key, item in value.items()}
    kind = type(value).__name__
    raise ChallengeError(
        f"{what} is a {kind}: only str, int, float, bool, None, lists, tuples and dicts: {text}"
    )


@dataclass(frozen=True)
class Sample:
    """A bundled submission and the score range the suite must give it."""

    name: str
    path: Path
    min_score: float
    max_score: float
    description: str


@dataclass(frozen=True)
class MutationSpec:
    """What mutation testing of the reference must reach, and the survivors a team excused."""

    threshold: float = DEFAULT_MUTATION_THRESHOLD
    equivalent: dict[str, str] = field(default_factory=dict)  # mutant id -> why it is


@dataclass(frozen=True)
class RubricItem:
    """One line of the manual review's rubric: what tests cannot judge, and its points."""

    name: str
    points: float
    description: str = ""


@dataclass(frozen=True)
class Challenge:
    """One challenge folder, checked: everything the engine needs to grade against it."""

    slug: str
    root: Path
    title: str
    question: str
    skills: tuple[str, ...]
    difficulty: str
    time_budget_minutes: int
    entry: str
    app_env: dict[str, str]
    limits: dict[str, float]
    starter_max: float
    formula: str | None
    samples: tuple[Sample, ...]
    version: str = field(default="")
    requirements: dict[str, str] = field(default_factory=dict)  # "R1" -> the statement's words
    caps: tuple[Cap, ...] = ()
    mutation: MutationSpec = field(default_factory=MutationSpec)
    setup: tuple[str, ...] = ()  # commands run in the app's folder before it starts
    rubric: tuple[RubricItem, ...] = ()  # filled by staff in the web app, beside the score

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests"

    @property
    def solution_dir(self) -> Path:
        return self.root / "solution"

    @property
    def starter_dir(self) -> Path:
        return self.root / "starter"

    @property
    def statement_path(self) -> Path:
        return self.root / "README.md"


def _require(
    table: dict[str, Any], key: str, kind: type | types.UnionType | tuple[type, ...], where: str
) -> Any:
    if key not in table:
        raise ChallengeError(f"{where}: missing key {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ChallengeError(f"{where}: {key!r} has the wrong type ({type(value).__name__})")
    return value


MANIFEST_KEYS = (
    "id", "title", "question", "skills", "difficulty", "time_budget_minutes", "app", "limits",
    "scoring", "samples", "mutation", "rubric",
)  # fmt: skip
APP_KEYS = ("entry", "env", "setup")
SETUP_MAX_STEPS = 10
SETUP_STEP_MAX_CHARS = 1000
SCORING_KEYS = ("starter_max", "formula", "caps")
SAMPLE_KEYS = ("min", "max", "description")
CAP_KEYS = ("name", "when", "max")
MUTATION_KEYS = ("threshold", "equivalent")
RUBRIC_KEYS = ("items",)
RUBRIC_ITEM_KEYS = ("name", "points", "description")
RUBRIC_MAX_ITEMS = 20
RUBRIC_NAME_MAX_CHARS = 100


def _only_known(table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """Refuse a key the grader does not read: a typo would otherwise be ignored in silence."""
    for key in sorted(set(table) - set(known)):
        near = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ChallengeError(f"{where}: unknown key {key!r}{hint} (known: {', '.join(known)})")


def _table(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """An optional sub-table: absent is empty, anything but a table is an error."""
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise ChallengeError(f"{where}: {key!r} must be a table ([{key}])")
    return value


def setup_argv(step: str) -> list[str]:
    """A set-up step as the argument list it runs as: split like a shell would, never run by
    one (no pipes, globs, variables or redirections)."""
    return shlex.split(step)


def _setup_steps(value: Any, where: str) -> tuple[str, ...]:
    """``[app] setup``: a command or a list of them, each one program and its arguments."""
    steps = [value] if isinstance(value, str) else value
    if not isinstance(steps, list) or not all(isinstance(step, str) for step in steps):
        raise ChallengeError(f"{where} must be a list of commands (strings)")
    if len(steps) > SETUP_MAX_STEPS:
        raise ChallengeError(f"{where} has {len(steps)} steps; at most {SETUP_MAX_STEPS}")
    for number, step in enumerate(steps, 1):
        here = f"{where} step {number}"
        if len(step) > SETUP_STEP_MAX_CHARS:
            raise ChallengeError(f"{here} is over {SETUP_STEP_MAX_CHARS} characters")
        if "\0" in step:
            raise ChallengeError(f"{here} contains a NUL character")
        try:
            argv = setup_argv(step)
        except ValueError as exc:  # shlex: "No closing quotation", "No escaped character"
            raise ChallengeError(f"{here} ({step!r}) does not parse: {exc}") from None
        if not argv:
            raise ChallengeError(f"{here} is empty")
        shell = sorted({word for word in argv if word in SHELL_WORDS})
        if shell:
            raise ChallengeError(
                f"{here} ({step!r}) uses {' '.join(shell)}: steps run without a shell; "
                "write one step per command, or a script in the starter"
            )
    return tuple(steps)


SHELL_WORDS = frozenset({"|", "||", "&&", ";", ">", ">>", "<", "&", "2>", "2>&1"})


def _limits(table: dict[str, Any], where: str) -> dict[str, float]:
    _only_known(table, LIMIT_NAMES, where)
    limits = {}
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ChallengeError(f"{where}: limit {name!r} must be a positive number")
        limits[name] = float(value)
    return limits


def _samples(root: Path, table: dict[str, Any], where: str) -> tuple[Sample, ...]:
    samples = []
    for name, spec in sorted(table.items()):
        here = f"{where} [samples.{name}]"
        if not isinstance(spec, dict):
            raise ChallengeError(f"{here}: must be a table with min, max and description")
        _only_known(spec, SAMPLE_KEYS, here)
        low = _require(spec, "min", int | float, here)
        high = _require(spec, "max", int | float, here)
        if not 0 <= low <= high <= 100:
            raise ChallengeError(f"{here}: need 0 <= min <= max <= 100, got {low}..{high}")
        path = root / "samples" / name
        if not path.is_dir():
            raise ChallengeError(f"{here}: folder samples/{name} is missing")
        samples.append(
            Sample(name, path, float(low), float(high), str(spec.get("description", "")))
        )
    return tuple(samples)


def _caps(scoring: dict[str, Any], where: str) -> tuple[Cap, ...]:
    table = scoring.get("caps", [])
    if not isinstance(table, list):
        raise ChallengeError(f"{where}: caps must be a list of tables ([[scoring.caps]])")
    caps = []
    for number, spec in enumerate(table, 1):
        here = f"{where} [[scoring.caps]] #{number}"
        if not isinstance(spec, dict):
            raise ChallengeError(f"{here}: must be a table with name, when and max")
        _only_known(spec, CAP_KEYS, here)
        name = _require(spec, "name", str, here).strip()
        when = _require(spec, "when", str, here)
        cap = _require(spec, "max", int | float, here)
        if not name or not 0 <= cap <= 100:
            raise ChallengeError(f"{here}: needs a non-empty name and 0 <= max <= 100")
        try:
            compile_formula(when)
        except ChallengeError as exc:
            raise ChallengeError(
                f"{here} ({name}): 'when' {str(exc).removeprefix('scoring ')}"
            ) from exc
        caps.append(Cap(name, when, float(cap)))
    return tuple(caps)


def _mutation(table: dict[str, Any], where: str) -> MutationSpec:
    here = f"{where} [mutation]"
    _only_known(table, MUTATION_KEYS, here)
    threshold = table.get("threshold", DEFAULT_MUTATION_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ChallengeError(f"{here}: threshold must be a percentage from 0 to 100")
    if not 0 <= threshold <= 100:
        raise ChallengeError(f"{here}: threshold must be a percentage from 0 to 100")
    entries = table.get("equivalent", [])
    if not isinstance(entries, list):
        raise ChallengeError(f"{here}: equivalent must be a list of {{ id, reason }} tables")
    equivalent = {}
    for spec in entries:
        if not isinstance(spec, dict) or set(spec) != {"id", "reason"}:
            raise ChallengeError(f"{here}: each equivalent mutant is {{ id = ..., reason = ... }}")
        mutant, reason = spec["id"], spec["reason"]
        if not isinstance(mutant, str) or not MUTANT_ID.match(mutant):
            raise ChallengeError(
                f"{here}: mutant id {mutant!r} must look like 'app/routes.py:42:status-code:1'"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise ChallengeError(f"{here}: mutant {mutant} needs a reason")
        equivalent[mutant] = reason.strip()
    return MutationSpec(float(threshold), equivalent)


def parse_rubric(table: dict[str, Any], where: str) -> tuple[RubricItem, ...]:
    """Check ``[rubric]``: ``[[rubric.items]]`` each with a name, points and a description."""
    here = f"{where} [rubric]"
    _only_known(table, RUBRIC_KEYS, here)
    items = table.get("items", [])
    if not isinstance(items, list):
        raise ChallengeError(f"{here}: items must be a list of tables ([[rubric.items]])")
    if len(items) > RUBRIC_MAX_ITEMS:
        raise ChallengeError(f"{here}: {len(items)} items; at most {RUBRIC_MAX_ITEMS}")
    rubric: list[RubricItem] = []
    for number, spec in enumerate(items, 1):
        item = f"{where} [[rubric.items]] #{number}"
        if not isinstance(spec, dict):
            raise ChallengeError(f"{item}: must be a table with name and points")
        _only_known(spec, RUBRIC_ITEM_KEYS, item)
        name = _require(spec, "name", str, item).strip()
        if not name or len(name) > RUBRIC_NAME_MAX_CHARS:
            raise ChallengeError(f"{item}: name must be 1 to {RUBRIC_NAME_MAX_CHARS} characters")
        if any(r.name.casefold() == name.casefold() for r in rubric):
            raise ChallengeError(f"{item}: the name {name!r} is used twice")
        points = _require(spec, "points", int | float, item)
        if not (math.isfinite(points) and 0 < points <= 100):
            raise ChallengeError(f"{item} ({name}): points must be more than 0 and at most 100")
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise ChallengeError(f"{item} ({name}): description must be text")
        rubric.append(RubricItem(name, float(points), description.strip()))
    return tuple(rubric)


def _statement_requirements(root: Path) -> dict[str, str]:
    try:
        return parse_requirements((root / "README.md").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ChallengeError(f"{root / 'README.md'}: {exc}") from exc
    except RequirementError as exc:
        raise ChallengeError(f"{root / 'README.md'}: {exc}") from exc


def content_version(root: Path) -> str:
    """Hash everything a grade, its report and the candidate depend on.

    The manifest, the statement, the starter candidates download and the suite: any edit to
    one of them is a new version (samples and the reference prove a version, they are not it).
    """
    digest = hashlib.sha256()
    paths = [
        root / "challenge.toml",
        root / "README.md",
        *sorted((root / "starter").rglob("*")),
        *sorted((root / "tests").rglob("*")),
    ]
    for path in paths:
        if path.is_file() and not is_junk(path.relative_to(root).parts):
            rel = path.relative_to(root).as_posix().encode()
            data = path.read_bytes()
            digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:16]


def read_manifest(path: Path, where: str) -> dict[str, Any]:
    """Parse a challenge.toml; anything unreadable is a ChallengeError that names ``where``.

    FileNotFoundError passes through: callers say what a missing manifest means to them.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ChallengeError(f"{where}: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses once per nested array or table
        raise ChallengeError(f"{where}: nested too deeply to read") from exc


def load_challenge(root: Path) -> Challenge:
    """Load and check ``root/challenge.toml``; raise ChallengeError naming the first problem."""
    manifest_path = root / "challenge.toml"
    where = str(manifest_path)
    try:
        manifest = read_manifest(manifest_path, where)
    except FileNotFoundError as exc:
        raise ChallengeError(f"{root} is not a challenge: no challenge.toml") from exc
    slug = _require(manifest, "id", str, where)
    if not SLUG.match(slug):
        raise ChallengeError(f"{where}: id {slug!r} must be lower-case letters, digits and dashes")
    if slug != root.name:
        raise ChallengeError(f"{where}: id {slug!r} must equal the folder name {root.name!r}")
    skills = _require(manifest, "skills", list, where)
    if not skills or not all(isinstance(s, str) and s for s in skills):
        raise ChallengeError(f"{where}: skills must be a non-empty list of names")
    difficulty = _require(manifest, "difficulty", str, where)
    if difficulty not in DIFFICULTIES:
        raise ChallengeError(f"{where}: difficulty must be one of {', '.join(DIFFICULTIES)}")
    app = _require(manifest, "app", dict, where)
    _only_known(app, APP_KEYS, f"{where} [app]")
    entry = _require(app, "entry", str, f"{where} [app]")
    try:
        parse_entry(entry)
    except ChallengeError as exc:
        raise ChallengeError(f"{where} [app]: {exc}") from None
    app_env = _table(app, "env", f"{where} [app]")
    if not all(isinstance(v, str) for v in app_env.values()):
        raise ChallengeError(f"{where} [app.env]: values must be strings")
    setup = _setup_steps(app.get("setup", []), f"{where} [app] setup")
    scoring = _table(manifest, "scoring", where)
    _only_known(scoring, SCORING_KEYS, f"{where} [scoring]")
    formula = scoring.get("formula")
    if formula is not None and not isinstance(formula, str):
        raise ChallengeError(f"{where} [scoring]: formula must be a string")
    starter_max = scoring.get("starter_max", 40)
    if isinstance(starter_max, bool) or not isinstance(starter_max, int | float):
        raise ChallengeError(f"{where} [scoring]: starter_max must be a number from 0 to 100")
    for folder in ("tests", "solution", "starter"):
        if not (root / folder).is_dir():
            raise ChallengeError(f"{root}: folder {folder}/ is missing")
    limits = _limits(_table(manifest, "limits", where), f"{where} [limits]")
    _only_known(manifest, MANIFEST_KEYS, where)  # after the tables' own checks: those say more
    return Challenge(
        slug=slug,
        root=root,
        title=_require(manifest, "title", str, where),
        question=_require(manifest, "question", str, where),
        skills=tuple(skills),
        difficulty=difficulty,
        time_budget_minutes=int(_require(manifest, "time_budget_minutes", int, where)),
        entry=entry,
        app_env=dict(app_env),
        limits=limits,
        starter_max=float(starter_max),
        formula=formula,
        samples=_samples(root, _table(manifest, "samples", where), where),
        version=content_version(root),
        requirements=_statement_requirements(root),
        caps=_caps(scoring, f"{where} [scoring]"),
        mutation=_mutation(_table(manifest, "mutation", where), where),
        setup=setup,
        rubric=parse_rubric(_table(manifest, "rubric", where), where),
    )


def find_challenge(ref: str, challenges_dir: Path) -> Challenge:
    """Resolve a slug under ``challenges_dir`` or a path to a challenge folder."""
    if SLUG.match(ref) and (challenges_dir / ref).is_dir():
        return load_challenge(challenges_dir / ref)
    path = Path(ref)
    if path.is_dir():
        return load_challenge(path.resolve())
    known = ", ".join(p.parent.name for p in sorted(challenges_dir.glob("*/challenge.toml")))
    raise ChallengeError(f"unknown challenge {ref!r}; known: {known or 'none'}")


def list_challenges(challenges_dir: Path) -> list[Challenge]:
    """Load every challenge in the bank (a broken one raises, naming itself)."""
    return [load_challenge(p.parent) for p in sorted(challenges_dir.glob("*/challenge.toml"))]
