"""Scaffold a new challenge: a complete example to edit, or one built around a Flask project.

``new_challenge`` writes a folder that ``grader challenges validate`` accepts as it stands (an
example notes API with three numbered requirements), or, from an existing Flask project, the
project as its reference and starter, its entry point and routes found by reading the source
(never by running it), and an example test to grow the suite from. Nothing here talks to the
user: the CLI prints what ``Scaffold.summary`` says.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.challenges import SLUG, parse_entry
from grader.errors import ChallengeError, InputRejected
from grader.intake import IntakeLimits, is_junk
from grader.intake.limits import format_size

# What a copied project leaves out, besides intake's junk list (version control, caches,
# virtualenvs): state and secrets that belong to one machine, never to a challenge that
# candidates download. Flask's instance folder holds local config and the SQLite database;
# a reference builds its data over HTTP or in an `[app] setup` step, so every run starts equal.
SKIPPED_DIRS = frozenset(
    {"instance", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".idea",
     ".vscode", ".eggs", "htmlcov", "dist", "build"}
)  # fmt: skip
SKIPPED_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".egg-info", ".pyo", ".log")
SKIPPED_FILES = frozenset({".env", ".flaskenv", ".coverage"})
# A project's own tests are ported into tests/, not shipped in the solution (nor the starter,
# where candidates would read them; mutation testing would mutate code no request runs).
TEST_DIRS = frozenset({"tests", "test"})
TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
ROUTE_DECORATORS = ("route", "get", "post", "put", "patch", "delete")
# A path the example test can send as written: no converters, no characters to escape.
PLAIN_PATH = re.compile(r"^/[\w./~-]*$")
LISTED_MAX = 8  # names shown in one line of the summary


@dataclass(frozen=True)
class Route:
    """A URL rule found in the source: path (blueprint prefix included), methods, view."""

    path: str
    methods: tuple[str, ...]
    view: str
    where: str  # "flaskr/auth.py:42"


@dataclass(frozen=True)
class Project:
    """A Flask project read into memory, with what was left out and why."""

    root: Path
    files: dict[str, bytes]  # relative posix path -> content
    left_out: tuple[str, ...] = ()  # state, secrets and caches
    tests: tuple[str, ...] = ()  # the project's own tests, to port

    def sources(self) -> dict[str, str]:
        """The Python files that decode as UTF-8, by relative path."""
        found = {}
        for rel, data in self.files.items():
            if rel.endswith(".py"):
                try:
                    found[rel] = data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
        return found


@dataclass(frozen=True)
class Scaffold:
    """A challenge folder just written, and what its author does next."""

    root: Path
    entry: str
    project: Project | None = None
    entry_found_in: str = ""  # "flaskr/__init__.py", or "" when --entry named it
    routes: tuple[Route, ...] = ()
    example_path: str = "/"
    setup_step: str = ""  # the commented-out [app] setup step the manifest suggests

    def summary(self, *, validate_ref: str) -> list[str]:
        """The lines the CLI prints: what was made, then the next steps in order."""
        validate = f"grader challenges validate {validate_ref} --bare"
        if self.project is None:
            return [
                f"created {self.root}: a working example (a notes API, requirements R1-R3)",
                "next steps:",
                "  1. write your statement in README.md: number each promise **R1**, **R2**, ...",
                "  2. in challenge.toml set title, question, skills, difficulty and entry",
                "  3. replace solution/ (scores 100), starter/ (runs, scores at most "
                "starter_max) and tests/ (each test names its requirement)",
                "  4. replace samples/ (at least 3), each with its range in challenge.toml",
                f"  5. prove it: {validate} --mutants",
            ]
        found = f" (found in {self.entry_found_in})" if self.entry_found_in else " (--entry)"
        lines = [
            f"created {self.root} from {self.project.root}",
            f"entry: {self.entry}{found}; {len(self.routes)} route(s) found, "
            f"the example test sends GET {self.example_path}",
        ]
        if self.project.left_out:
            lines.append(f"not copied (machine state, secrets): {_listed(self.project.left_out)}")
        if self.project.tests:
            lines.append(
                f"not copied, to port into tests/: {_listed(self.project.tests)} "
                '(see "Porting a Flask project" in challenges/README.md)'
            )
        lines += [
            "next steps (validation fails until 1 to 3 are done):",
            "  1. trim starter/ (a full copy of the solution): remove what candidates write",
            "  2. write the statement (README.md lists the routes found) with numbered "
            "promises, and tests/ (at least 12 hidden, 2 visible; each names its promise)",
            "  3. add at least 3 samples/<name>/, each with [samples.<name>] in challenge.toml",
            "  4. if the app needs a database before it serves, uncomment [app] setup in "
            f'challenge.toml ("{self.setup_step}")',
            f"  5. prove it: {validate}",
        ]
        return lines


def new_challenge(
    *,
    slug: str,
    challenges_dir: Path,
    project: Path | None = None,
    entry: str | None = None,
    limits: IntakeLimits | None = None,
) -> Scaffold:
    """Write challenge ``slug`` under ``challenges_dir``: the example, or ``project`` as its
    solution and starter. All or nothing: the folder appears complete or not at all.

    Raises InputRejected (exit 2) naming the problem: a bad slug, an existing target, a
    project that is missing, unsafe, too large, or has no Flask app ``--entry`` could name.
    """
    if not SLUG.match(slug):
        raise InputRejected(
            f"challenge id {slug!r} must be 1 to 63 lower-case letters, digits and dashes, "
            "starting with a letter or digit (e.g. 'user-sessions')"
        )
    if challenges_dir.exists() and not challenges_dir.is_dir():
        raise InputRejected(f"{challenges_dir} is not a folder: pass --dir a folder")
    target = challenges_dir / slug
    if project is not None:
        _check_apart(project, target)
    if target.exists() or target.is_symlink():
        raise InputRejected(f"{target} already exists: choose another id, or remove it first")
    if project is None:
        if entry is not None:
            raise InputRejected("--entry goes with --from PROJECT: the example's entry is fixed")
        files = {path: text.encode() for path, text in _example_files(slug).items()}
        _write_atomically(target, files)
        return Scaffold(root=target, entry=EXAMPLE_ENTRY)
    read = read_project(project, target=target, limits=limits or IntakeLimits())
    sources = read.sources()
    if not sources:
        raise InputRejected(f"{project} has no Python file: --from takes a Flask project folder")
    if entry is None:
        entry, found_in = detect_entry(sources)
    else:
        _check_entry(entry, sources)
        found_in = ""
    routes = find_routes(sources)
    example = _example_route(routes)
    setup_step = suggested_setup(entry, sources)
    files = _project_files(slug, read, entry, routes, example, setup_step)
    _write_atomically(target, files)
    return Scaffold(
        root=target,
        entry=entry,
        project=read,
        entry_found_in=found_in,
        routes=tuple(routes),
        example_path=example,
        setup_step=setup_step,
    )


# -- reading a project ----------------------------------------------------------------------


def read_project(project: Path, *, target: Path, limits: IntakeLimits) -> Project:
    """Read a Flask project folder into memory, leaving out junk, state, secrets and tests.

    Refuses a path that is not a folder, a symlink or special file inside it, a folder that
    holds the target (or sits inside it), and a tree over intake's limits: the reference is
    graded as a submission, so it must fit what a submission may be.
    """
    _check_apart(project, target)
    if not project.exists():
        raise InputRejected(f"{project} does not exist: --from takes a Flask project folder")
    if not project.is_dir():
        raise InputRejected(f"{project} is not a folder: --from takes a Flask project folder")
    root = project.resolve()
    walk = _Walk(root, limits)
    walk.folder(root, ())
    return Project(
        root=project, files=walk.files, left_out=tuple(walk.left_out), tests=tuple(walk.tests)
    )


def _check_apart(project: Path, target: Path) -> None:
    """Refuse a project that holds the new challenge's folder or sits inside it."""
    root, where = project.resolve(), target.resolve()
    if where == root or where.is_relative_to(root):
        raise InputRejected(
            f"the new challenge {target} would be inside {project}, which is copied into it: "
            "pass --dir a folder outside the project"
        )
    if root.is_relative_to(where):
        raise InputRejected(
            f"{project} is inside the new challenge's folder {target}: copy the project "
            "somewhere else first, or choose another id"
        )


class _Walk:
    """One bounded walk of a project: files read, what was left out, the limits counted."""

    def __init__(self, root: Path, limits: IntakeLimits) -> None:
        self.root = root
        self.limits = limits
        self.files: dict[str, bytes] = {}
        self.left_out: list[str] = []
        self.tests: list[str] = []
        self.total = 0
        self.examined = 0

    def folder(self, path: Path, parts: tuple[str, ...]) -> None:
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            raise InputRejected(f"cannot read {path}: {exc.strerror or exc}") from exc
        for name in names:
            self.entry(path / name, (*parts, name))

    def entry(self, path: Path, parts: tuple[str, ...]) -> None:
        rel = "/".join(parts)
        self.examined += 1
        if self.examined > self.limits.max_entries:
            raise self._too_big(f"more than {self.limits.max_entries} entries")
        if is_junk(parts):
            return
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise InputRejected(
                f"{path} is a symlink: copy the file itself into the project (a challenge "
                "holds no symlinks)"
            )
        is_dir = stat.S_ISDIR(info.st_mode)
        if (is_dir and (path / "pyvenv.cfg").exists()) or _machine_state(parts[-1], is_dir):
            self.left_out.append(rel + ("/" if is_dir else ""))
            return
        if _is_test(parts, is_dir):
            self.tests.append(rel + ("/" if is_dir else ""))
            return
        if len(parts) > self.limits.max_depth:
            raise self._too_big(f"{rel} nested deeper than {self.limits.max_depth} levels")
        if is_dir:
            self.folder(path, parts)
            return
        if not stat.S_ISREG(info.st_mode):
            raise InputRejected(f"{path} is a special file: a project holds files and folders")
        if info.st_size > self.limits.max_file_bytes:
            size = format_size(self.limits.max_file_bytes)
            raise self._too_big(f"{rel} is larger than {size}")
        self.total += info.st_size
        if len(self.files) >= self.limits.max_files:
            raise self._too_big(f"more than {self.limits.max_files} files")
        if self.total > self.limits.max_total_bytes:
            raise self._too_big(f"more than {format_size(self.limits.max_total_bytes)}")
        self.files[rel] = path.read_bytes()

    def _too_big(self, what: str) -> InputRejected:
        return InputRejected(
            f"{self.root} is too large for a challenge ({what}, after leaving out caches, "
            "virtualenvs, instance/ and databases): the reference is graded as a submission, "
            "so it must fit the same limits; copy only the app into a new folder"
        )


def _machine_state(name: str, is_dir: bool) -> bool:
    if is_dir:
        return name in SKIPPED_DIRS or name.endswith(".egg-info")
    return name in SKIPPED_FILES or name.endswith(SKIPPED_SUFFIXES)


def _is_test(parts: tuple[str, ...], is_dir: bool) -> bool:
    if is_dir:
        return len(parts) == 1 and parts[0] in TEST_DIRS
    return bool(TEST_FILE.match(parts[-1]))


# -- finding the app ------------------------------------------------------------------------


def detect_entry(sources: Mapping[str, str]) -> tuple[str, str]:
    """The ``[app] entry`` of a project and the file it is in, found by reading the source.

    A ``create_app`` factory callable without arguments wins (``flaskr:create_app()``), the
    shallowest first; else a module-level ``app = Flask(...)`` (``app:app``). Raises
    InputRejected telling the author to pass ``--entry`` when neither is there.
    """
    factories: list[tuple[str, str]] = []
    needs_arguments: list[str] = []
    apps: list[tuple[str, str]] = []
    for rel in sorted(sources, key=lambda r: (r.count("/"), r)):
        module = module_name(rel)
        tree = _parse(sources[rel])
        if module is None or tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "create_app":
                if _required_arguments(node.args):
                    needs_arguments.append(f"{rel}:{node.lineno}")
                else:
                    factories.append((f"{module}:create_app()", rel))
            for name in _flask_assignments(node):
                apps.append((f"{module}:{name}", rel))
    if factories:
        return factories[0]
    if apps:
        return next((found for found in apps if found[0].endswith(":app")), apps[0])
    if needs_arguments:
        raise InputRejected(
            f"create_app at {needs_arguments[0]} takes required arguments: pass --entry "
            "'module:create_app(literal arguments)'"
        )
    if "__init__.py" in sources:
        raise InputRejected(
            "no Flask app found: this folder is a package itself (it has __init__.py); pass "
            "the folder that contains it, or --entry 'module:create_app()'"
        )
    raise InputRejected(
        "no Flask app found (no create_app() factory, no module-level app = Flask(...)): "
        "pass --entry, e.g. --entry 'app:create_app()' or --entry 'wsgi:application'"
    )


def module_name(rel: str) -> str | None:
    """The module a file imports as with the project folder first on ``sys.path``."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return None
    return ".".join(parts)


def _check_entry(entry: str, sources: Mapping[str, str]) -> None:
    """An --entry parses and names a module the project has."""
    try:
        parsed = parse_entry(entry)
    except ChallengeError as exc:
        raise InputRejected(f"--entry: {exc}") from None
    modules = {module_name(rel) for rel in sources}
    if parsed.module not in modules:
        raise InputRejected(
            f"--entry {entry!r}: the project has no module {parsed.module!r} "
            f"(modules: {_listed(sorted(m for m in modules if m))})"
        )


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _required_arguments(args: ast.arguments) -> bool:
    positional = [*args.posonlyargs, *args.args]
    keyword_only = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    return len(positional) > len(args.defaults) or bool(keyword_only)


def _flask_assignments(node: ast.stmt) -> list[str]:
    """The names a module-level ``name = Flask(...)`` binds."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return []
    if not (isinstance(value, ast.Call) and _called_name(value.func) == "Flask"):
        return []
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def find_routes(sources: Mapping[str, str]) -> list[Route]:
    """The URL rules the source declares: ``@app.route``, ``@bp.get``... and ``add_url_rule``.

    A blueprint's ``url_prefix`` given to ``Blueprint(...)`` in the same module is applied; one
    given to ``register_blueprint`` is not (the statement's list is a starting point).
    """
    routes = []
    for rel in sorted(sources):
        tree = _parse(sources[rel])
        if tree is None:
            continue
        prefixes = _blueprint_prefixes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    route = _decorated_route(decorator, node.name, prefixes, rel)
                    if route is not None:
                        routes.append(route)
            elif isinstance(node, ast.Call) and _called_name(node.func) == "add_url_rule":
                route = _added_route(node, prefixes, rel)
                if route is not None:
                    routes.append(route)
    return sorted(routes, key=lambda r: (r.path, r.where))


def _blueprint_prefixes(tree: ast.Module) -> dict[str, str]:
    """``bp = Blueprint("auth", __name__, url_prefix="/auth")`` -> {"bp": "/auth"}."""
    prefixes = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if _called_name(node.value.func) != "Blueprint":
            continue
        prefix = next(
            (_string(k.value) for k in node.value.keywords if k.arg == "url_prefix"), None
        )
        for target in node.targets:
            if isinstance(target, ast.Name):
                prefixes[target.id] = prefix or ""
    return prefixes


def _decorated_route(
    decorator: ast.expr, view: str, prefixes: Mapping[str, str], rel: str
) -> Route | None:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    kind = decorator.func.attr
    rule = _string(decorator.args[0]) if decorator.args else None
    if kind not in ROUTE_DECORATORS or rule is None:
        return None
    methods = _methods(decorator) if kind == "route" else (kind.upper(),)
    owner = decorator.func.value
    prefix = prefixes.get(owner.id, "") if isinstance(owner, ast.Name) else ""
    return Route(_join(prefix, rule), methods, view, f"{rel}:{decorator.lineno}")


def _added_route(call: ast.Call, prefixes: Mapping[str, str], rel: str) -> Route | None:
    rule = _string(call.args[0]) if call.args else None
    if rule is None:
        return None
    view = next((k.value for k in call.keywords if k.arg == "view_func"), None)
    if view is None and len(call.args) > 2:
        view = call.args[2]
    endpoint = next((_string(k.value) for k in call.keywords if k.arg == "endpoint"), None)
    if endpoint is None and len(call.args) > 1:
        endpoint = _string(call.args[1])
    name = _called_name(view) if view is not None else endpoint and f"endpoint {endpoint}"
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None
    prefix = prefixes.get(owner.id, "") if isinstance(owner, ast.Name) else ""
    return Route(_join(prefix, rule), _methods(call), name or "?", f"{rel}:{call.lineno}")


def _methods(call: ast.Call) -> tuple[str, ...]:
    given = next((k.value for k in call.keywords if k.arg == "methods"), None)
    if isinstance(given, ast.List | ast.Tuple | ast.Set):
        names = [_string(item) for item in given.elts]
        return tuple(name.upper() for name in names if name)
    return ("GET",)


def _string(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _join(prefix: str, rule: str) -> str:
    """Join a blueprint prefix and a rule the way Flask does."""
    if not prefix:
        return rule
    return "/".join((prefix.rstrip("/"), rule.lstrip("/"))) if rule else prefix


def find_cli_commands(sources: Mapping[str, str]) -> list[str]:
    """The names of the project's ``flask`` commands: ``@click.command("init-db")``,
    ``@app.cli.command("seed")``, ``@bp.cli.command(...)``."""
    names = []
    for rel in sorted(sources):
        tree = _parse(sources[rel])
        for node in ast.walk(tree) if tree is not None else ():
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if not (isinstance(decorator, ast.Call) and _is_command(decorator.func)):
                    continue
                given = _string(decorator.args[0]) if decorator.args else None
                names.append(given or _command_name(node.name))
    return names


def _command_name(function: str) -> str:
    """The name click gives a command from its function's name (click 8.2 and later)."""
    for suffix in ("_command", "_cmd", "_group", "_grp"):
        if function.endswith(suffix) and function != suffix:
            function = function.removesuffix(suffix)
            break
    return function.replace("_", "-").lower()


def _is_command(func: ast.expr) -> bool:
    if not (isinstance(func, ast.Attribute) and func.attr == "command"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Name) and owner.id == "click") or (
        isinstance(owner, ast.Attribute) and owner.attr == "cli"
    )


def suggested_setup(entry: str, sources: Mapping[str, str]) -> str:
    """The set-up step the manifest suggests: the project's own init command if it has one."""
    commands = find_cli_commands(sources)
    command = next((c for c in commands if "init" in c), commands[0] if commands else "init-db")
    return f"flask --app {parse_entry(entry).module} {command}"


def _example_route(routes: list[Route]) -> str:
    """The path the example test GETs: ``/`` if the app has it, else the shortest plain one."""
    plain = sorted(
        (r.path for r in routes if "GET" in r.methods and PLAIN_PATH.match(r.path)),
        key=lambda p: (len(p), p),
    )
    if "/" in plain:
        return "/"
    return plain[0] if plain else "/"


# -- writing --------------------------------------------------------------------------------


def _write_atomically(target: Path, files: Mapping[str, bytes]) -> None:
    """Write every file into a hidden folder beside ``target``, then rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise InputRejected(f"cannot create {target}: {exc.strerror or exc}") from exc
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the challenge from a web app's user
        os.rename(staging, target)
    except OSError as exc:
        raise InputRejected(f"cannot create {target}: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _listed(names: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(names[:LISTED_MAX])
    return shown + (f" and {len(names) - LISTED_MAX} more" if len(names) > LISTED_MAX else "")


def _fill(text: str, **values: str) -> str:
    """Put values into a template's ``{{name}}`` places (Python code keeps its own braces)."""
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


# -- the scaffold of a project --------------------------------------------------------------


def _project_files(
    slug: str, project: Project, entry: str, routes: list[Route], example: str, setup_step: str
) -> dict[str, bytes]:
    manifest = _fill(PROJECT_MANIFEST, slug=slug, entry=entry, setup=setup_step)
    files = {"challenge.toml": manifest.encode()}
    title = project.root.resolve().name
    files["README.md"] = _fill(
        PROJECT_STATEMENT,
        title=title,
        entry=entry,
        routes=_route_table(routes),
        example=example,
        promise=_example_promise(example, routes),
    ).encode()
    name = re.sub(r"\W+", "_", example).strip("_") or "home_page"
    plain = any(r.path == example and "GET" in r.methods for r in routes)
    test = PROJECT_TEST_200 if plain else PROJECT_TEST_ANSWERS
    files["tests/test_example.py"] = _fill(
        test, slug=slug, name=name, path=example, literal=f'"{example}"'
    ).encode()
    for rel, data in project.files.items():
        files[f"solution/{rel}"] = data
        files[f"starter/{rel}"] = data
    return files


def _route_table(routes: list[Route]) -> str:
    if not routes:
        return "No `@app.route` or `@bp.route` was found: list the routes by hand.\n"
    rows = [f"| {', '.join(r.methods)} | `{r.path}` | `{r.view}` | `{r.where}` |" for r in routes]
    return "| methods | path | view | where |\n| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n"


def _example_promise(example: str, routes: list[Route]) -> str:
    if any(r.path == example and "GET" in r.methods for r in routes):
        return f"`GET {example}` answers `200`."
    return f"`GET {example}` answers without a server error (a status below `500`)."


EXAMPLE_ENTRY = "app:create_app()"

PROJECT_MANIFEST = """\
# The manifest of {{slug}}, made from a Flask project by `grader challenges new --from`.
# Every key is checked: a typo is an error naming the nearest known key. challenges/README.md
# ("Writing a challenge") explains each one.
id = "{{slug}}"  # the slug: must equal the folder name
title = "TODO: the challenge's title"
question = "TODO: the interview question this challenge comes from"
skills = ["routing"]                # every test names one of these (default: the first)
difficulty = "medium"               # easy | medium | hard
time_budget_minutes = 60            # what candidates are told to spend

[app]                               # how the grader starts the app it tests
entry = "{{entry}}"                 # what waitress serves: "module:variable",
                                    # "module:factory()" or "module:factory(literal arguments)"
# Set-up steps run in order before the app starts: in its folder, as its user, without a
# shell, within [limits] setup_timeout_s. For a database schema, say:
# setup = ["{{setup}}"]

# [app.env]                         # environment the app starts with (tests read it: app_env)
# SECRET_KEY = "graded-run-secret"

[limits]                            # optional; may only tighten the grader's defaults
deadline_s = 60                     # wall clock for the whole run, container start to results
test_timeout_s = 5                  # per test and per request

[scoring]                           # how test results become a score
starter_max = 40                    # `validate` fails if the starter scores above this
# formula = "weighted"              # optional RestrictedPython expression

# [[scoring.caps]]                  # bound the score when a critical promise fails
# name = "the app crashes on a bad request"
# when = "requirements['R1'] < 100"
# max = 50

[mutation]                          # `validate --mutants`: the share of mutants to kill
threshold = 90
equivalent = []                     # { id = "app.py:12:keyword:1", reason = "..." }

# TODO: at least three samples, each a folder samples/<name>/ and a table here:
# [samples.happy_path_only]
# min = 30
# max = 50
# description = "Main flows work; no validation"
"""

PROJECT_STATEMENT = """\
# {{title}}

> **TODO (author):** `starter/` is a full copy of the project, the same as `solution/`: trim
> it to what candidates start from (take out what they must write, leave `TODO`s), or
> validation fails (the starter must score at most `starter_max`). Then replace every TODO
> of this statement and delete this note.

*Interview question: "TODO: the interview question"*

## The task

TODO: what candidates build or fix, in a few sentences.

## Routes found in the project

A starting point, found by reading the source (not by running it); a blueprint prefix given
to `register_blueprint` is not applied. Say in the requirements exactly what each route the
candidates write must do.

{{routes}}
## Requirements

Each promise has an id; every test names the ids it checks.

- **R1** {{promise}}

## What to hand in

A folder like the starter; the grader serves `{{entry}}` with waitress.
"""

PROJECT_TEST_200 = '''\
"""Hidden suite of {{slug}}: an example test to grow the suite from.

TODO (author): port the project's own tests here ("Porting a Flask project" in
challenges/README.md): one test per promise of the statement, each naming its requirement.
Validation asks for at least 12 hidden and 2 visible tests.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.skill("routing")


@pytest.mark.visible
@pytest.mark.requirement("R1")
def test_get_{{name}}_answers_200(client):
    """GET {{path}} answers 200."""
    response = client.get({{literal}})
    assert response.status_code == 200, f"GET {{path}} answered {response.status}"
'''

PROJECT_TEST_ANSWERS = '''\
"""Hidden suite of {{slug}}: an example test to grow the suite from.

TODO (author): no plain GET route was found, so this only checks that the app answers. Port
the project's own tests here ("Porting a Flask project" in challenges/README.md): one test per
promise of the statement, each naming its requirement.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.skill("routing")


@pytest.mark.visible
@pytest.mark.requirement("R1")
def test_get_{{name}}_answers(client):
    """GET {{path}} answers without a server error."""
    response = client.get({{literal}})
    assert response.status_code < 500, f"GET {{path}} answered {response.status}"
'''


# -- the example challenge ------------------------------------------------------------------


def _example_files(slug: str) -> dict[str, str]:
    return {
        "challenge.toml": _fill(EXAMPLE_MANIFEST, slug=slug),
        "README.md": EXAMPLE_STATEMENT,
        "starter/app.py": EXAMPLE_STARTER,
        "solution/app.py": EXAMPLE_SOLUTION,
        "tests/test_notes.py": EXAMPLE_TESTS,
        "samples/no_length_limit/app.py": EXAMPLE_SOLUTION.replace(
            EXAMPLE_VALIDATION, "        if not isinstance(text, str) or not text:\n"
        ).replace(EXAMPLE_SOLUTION.splitlines()[0], '"""Sample: no upper limit on the text."""'),
        "samples/classic_answer/app.py": EXAMPLE_CLASSIC,
        "samples/html_errors/app.py": EXAMPLE_HTML_ERRORS,
    }


EXAMPLE_MANIFEST = """\
# The manifest of {{slug}}. Every key is checked: a typo is an error naming the nearest known
# key. challenges/README.md ("Writing a challenge") explains each one.
# TODO: this scaffold is a working example (a small notes API): replace it with your challenge.
id = "{{slug}}"  # the slug: must equal the folder name
title = "Notes: a small JSON API"
question = "TODO: the interview question this challenge comes from"
skills = ["json", "validation", "status-codes"]  # every test names one (default: the first)
difficulty = "easy"                 # easy | medium | hard
time_budget_minutes = 30            # what candidates are told to spend

[app]                               # how the grader starts the app it tests
entry = "app:create_app()"          # what waitress serves: "module:variable",
                                    # "module:factory()" or "module:factory(literal arguments)"
# Set-up steps run in order before the app starts: in its folder, as its user, without a
# shell, within [limits] setup_timeout_s. For a database schema, say:
# setup = ["flask --app app init-db"]

# [app.env]                         # environment the app starts with (tests read it: app_env)
# SECRET_KEY = "graded-run-secret"

[limits]                            # optional; may only tighten the grader's defaults
deadline_s = 60                     # wall clock for the whole run, container start to results
test_timeout_s = 5                  # per test and per request

[scoring]                           # how test results become a score
starter_max = 25                    # `validate` fails if the starter scores above this
# formula = "weighted"              # optional RestrictedPython expression (see the README)

# [[scoring.caps]]                  # optional, any number: bound the score when a promise fails
# name = "errors are not JSON"
# when = "requirements['R3'] < 100"
# max = 60

[mutation]                          # `validate --mutants`: the share of mutants to kill
threshold = 90
equivalent = []                     # { id = "app.py:12:keyword:1", reason = "..." }

# Realistic submissions, each a folder samples/<name>/ and the range it must score in.
[samples.no_length_limit]
min = 90
max = 98
description = "Everything but the upper limit: a 101-character text is stored"

[samples.classic_answer]
min = 75
max = 88
description = "request.json (a form post is a 415, broken JSON an HTML 400) and len(text) < 100"

[samples.html_errors]
min = 40
max = 65
description = "Right status codes, but every error is abort(): Flask's HTML page, not JSON"
"""

EXAMPLE_STATEMENT = """\
# Notes: a small JSON API

> **TODO (author):** this statement, `starter/`, `solution/`, `tests/` and `samples/` are a
> working example made by `grader challenges new`. Replace them with your challenge, keeping
> the numbered requirements and the tests' `@pytest.mark.requirement` markers in step.

*Interview question: "TODO: the interview question"*

## The task

A small service stores short notes and gives them back by id, over JSON. Notes live in memory:
they are lost when the process stops, which is fine.

A note is a JSON object: `{"id": 1, "text": "Buy milk"}`. The server assigns the `id`.

## Requirements

Each promise has an id; the report groups the tests by these ids.

- **R1** `GET /health` answers `200` `application/json`: `{"status": "ok"}`.
- **R2** `POST /api/notes` with a JSON object `{"text": "..."}` answers `201`
  `application/json` with the new note, exactly `{"id": <an integer>, "text": <as sent>}`;
  every note gets an id of its own. `text` is a string of 1 to 100 characters (characters,
  not bytes). A missing, empty, non-string or 101-character `text`, and a body that is not a
  JSON object (a form post, JSON that does not parse, a JSON array), are a `400` with the JSON
  body `{"error": "<a message>"}`.
- **R3** `GET /api/notes/<id>` answers `200` `application/json` with the note as created; an
  unknown id is a `404` with the JSON body `{"error": "<a message>"}`. `<id>` is digits: any
  other text there (`abc`, `-1`, `1.5`) is a `404` (Flask's own page is fine).

## What to hand in

A folder with `app.py` exposing an application factory `create_app()` (the grader serves
`app:create_app()` with waitress, several threads, one process). The starter has this shape:
fill in its `TODO`s.
"""

EXAMPLE_STARTER = '''\
"""Notes API: fill in the TODOs (README.md says exactly what each route does)."""

from flask import Flask


def create_app():
    """Create the notes application."""
    app = Flask(__name__)

    @app.get("/health")
    def health():
        """Tell load balancers the service is up."""
        # TODO: this must be JSON: {"status": "ok"}
        return "ok"

    # TODO: POST /api/notes       201 and the note; 400 and a JSON error for a bad text
    # TODO: GET /api/notes/<id>   200 and the note; 404 and a JSON error for an unknown id

    return app
'''

EXAMPLE_VALIDATION = "        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:\n"

EXAMPLE_SOLUTION = f'''\
"""Reference solution of the notes API: every line is one a test depends on."""

import itertools
import threading

from flask import Flask, request

MAX_TEXT = 100  # characters, not bytes


def create_app():
    """Create the notes application."""
    app = Flask(__name__)
    notes = {{}}
    ids = itertools.count(1)
    lock = threading.Lock()  # waitress serves requests from several threads

    @app.get("/health")
    def health():
        """Tell load balancers the service is up."""
        return {{"status": "ok"}}

    @app.post("/api/notes")
    def create_note():
        """Store a note of 1 to MAX_TEXT characters."""
        data = request.get_json(silent=True)
        text = data.get("text") if isinstance(data, dict) else None
{EXAMPLE_VALIDATION}\
            return {{"error": f"text must be a string of 1 to {{MAX_TEXT}} characters"}}, 400
        with lock:
            note = {{"id": next(ids), "text": text}}
            notes[note["id"]] = note
        return note, 201

    @app.get("/api/notes/<int:note_id>")
    def get_note(note_id):
        """Return one note, or a JSON 404."""
        note = notes.get(note_id)
        if note is None:
            return {{"error": f"no note has the id {{note_id}}"}}, 404
        return note

    return app
'''

EXAMPLE_CLASSIC = '''\
"""Sample: the classic answer, request.json and an off-by-one limit."""

from flask import Flask, jsonify, request

NOTES = {}


def create_app():
    """Create the notes application."""
    app = Flask(__name__)

    @app.route("/health")
    def health():
        return jsonify(status="ok")

    @app.route("/api/notes", methods=["POST"])
    def create_note():
        data = request.json
        if not isinstance(data, dict):
            return jsonify(error="send a JSON object"), 400
        text = data.get("text")
        if not isinstance(text, str) or not text or len(text) >= 100:
            return jsonify(error="bad text"), 400
        note = {"id": len(NOTES) + 1, "text": text}
        NOTES[note["id"]] = note
        return jsonify(note), 201

    @app.route("/api/notes/<int:note_id>")
    def get_note(note_id):
        if note_id not in NOTES:
            return jsonify(error="not found"), 404
        return jsonify(NOTES[note_id])

    return app
'''

EXAMPLE_HTML_ERRORS = '''\
"""Sample: right status codes, but errors are Flask's HTML pages (abort), not JSON."""

from flask import Flask, abort, request

NOTES = {}


def create_app():
    """Create the notes application."""
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/api/notes")
    def create_note():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)
        text = data.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 100:
            abort(400)
        note = {"id": len(NOTES) + 1, "text": text}
        NOTES[note["id"]] = note
        return note, 201

    @app.get("/api/notes/<int:note_id>")
    def get_note(note_id):
        if note_id not in NOTES:
            abort(404)
        return NOTES[note_id]

    return app
'''

EXAMPLE_TESTS = '''\
"""Hidden suite of the notes API: one promise per test, both sides of every limit.

TODO (author): replace these with your challenge's tests. Each test names the statement's
requirements it checks (@pytest.mark.requirement), a skill of the manifest and, if it matters
more, a weight; tests marked `visible` are shown to candidates in full. The app is one process
for the whole suite: each test creates what it needs, under unique names.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.skill("json")


def unique_text(prefix: str = "note") -> str:
    """Return a text no other test sends."""
    return f"{prefix} {uuid.uuid4().hex[:12]}"


def create_note(client, text: str) -> dict:
    """Store a note over HTTP and return its JSON; a failure names this step."""
    response = client.post("/api/notes", json={"text": text})
    assert response.status_code == 201, (
        f"step 1: POST /api/notes answered {response.status}, expected 201"
    )
    note = response.get_json()
    assert isinstance(note, dict) and isinstance(note.get("id"), int), (
        f"step 1: POST /api/notes must answer the note as JSON, got {response.text[:200]!r}"
    )
    return note


def assert_json_error(response, status: int, what: str) -> None:
    """Check a response is `status` with the JSON body {"error": "<a message>"}."""
    assert response.status_code == status, f"{what} answered {response.status}, not {status}"
    assert response.mimetype == "application/json", (
        f"{what}: an error must be JSON, got Content-Type {response.content_type!r}"
    )
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), (
        f'{what}: the body must be {{"error": "<a message>"}}, got {response.text[:200]!r}'
    )
    assert body["error"].strip(), f"{what}: the error message is empty"


@pytest.mark.visible
@pytest.mark.requirement("R1")
def test_health_is_json(client):
    """GET /health answers 200 with the JSON object {"status": "ok"}."""
    response = client.get("/health")
    assert response.status_code == 200, f"GET /health answered {response.status}"
    assert response.mimetype == "application/json", (
        f"GET /health must be application/json, got {response.content_type!r}"
    )
    assert response.get_json() == {"status": "ok"}, f"GET /health: {response.text[:100]!r}"


@pytest.mark.visible
@pytest.mark.weight(2)
@pytest.mark.requirement("R2")
def test_create_answers_201_with_the_note(client):
    """POST /api/notes answers 201 with the new note as JSON: its id and the text as sent."""
    text = unique_text()
    response = client.post("/api/notes", json={"text": text})
    assert response.status_code == 201, f"expected 201 Created, got {response.status}"
    assert response.mimetype == "application/json", f"got {response.content_type!r}"
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("id"), int), (
        f'the body must be a JSON object with an integer "id", got {response.text[:200]!r}'
    )
    assert body == {"id": body["id"], "text": text}, f"the body must be the note, got {body!r}"


@pytest.mark.requirement("R2")
def test_each_note_gets_an_id_of_its_own(client):
    """Every note gets an id of its own."""
    ids = [create_note(client, unique_text())["id"] for _ in range(3)]
    assert len(set(ids)) == 3, f"three notes got the ids {ids!r}"


# Both sides of each limit: the boundary accepted here, just past it refused below.
@pytest.mark.skill("validation")
@pytest.mark.requirement("R2")
@pytest.mark.parametrize(
    "text",
    ["x", unique_text("long").ljust(100, "y"), "é" * 100],
    ids=["1 character", "100 characters", "100 non-ASCII characters"],
)
def test_texts_at_the_limits_are_accepted(client, text):
    """A text of 1 or of exactly 100 characters (é included) is accepted and kept as sent."""
    response = client.post("/api/notes", json={"text": text})
    assert response.status_code == 201, (
        f"a {len(text)}-character text answered {response.status}, expected 201"
    )
    body = response.get_json()
    assert isinstance(body, dict) and body.get("text") == text, f"got {response.text[:200]!r}"


@pytest.mark.skill("validation")
@pytest.mark.requirement("R2")
@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "y" * 101}, {"text": 42}, {"text": None}, {"text": ["a"]}],
    ids=["no text", "empty", "101 characters", "a number", "null", "a list"],
)
def test_bad_texts_are_refused(client, body):
    """A missing, empty, non-string or 101-character text is a 400 with a JSON error."""
    response = client.post("/api/notes", json=body)
    assert_json_error(response, 400, f"POST /api/notes with {str(body)[:40]}")


@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R2")
@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"text": "a form post"}},
        {"data": '{"text": ', "headers": {"Content-Type": "application/json"}},
        {"json": ["a JSON array"]},
    ],
    ids=["form post", "broken JSON", "JSON array"],
)
def test_a_body_that_is_not_a_json_object_is_refused(client, request_kwargs):
    """A form post, JSON that does not parse, or a JSON array is a 400 with a JSON error."""
    response = client.post("/api/notes", **request_kwargs)
    assert_json_error(response, 400, "POST /api/notes")


@pytest.mark.weight(2)
@pytest.mark.requirement("R3")
def test_a_note_reads_back_as_created(client):
    """GET /api/notes/<id> answers 200 with the note as created."""
    note = create_note(client, unique_text())
    response = client.get(f"/api/notes/{note['id']}")
    assert response.status_code == 200, f"step 2: GET answered {response.status}"
    assert response.mimetype == "application/json", f"got {response.content_type!r}"
    assert response.get_json() == note, f"step 2: got {response.text[:200]!r}, not {note!r}"


@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R3")
def test_an_unknown_id_is_a_json_404(client):
    """GET /api/notes/<an id never given> answers 404 with a JSON error."""
    unknown = create_note(client, unique_text())["id"] + 1_000_000
    assert_json_error(client.get(f"/api/notes/{unknown}"), 404, f"GET /api/notes/{unknown}")


@pytest.mark.skill("status-codes")
@pytest.mark.requirement("R3")
@pytest.mark.parametrize("bad_id", ["abc", "-1", "1.5"])
def test_an_id_that_is_not_digits_is_a_404(client, bad_id):
    """An <id> that is not digits (abc, -1, 1.5) answers 404."""
    response = client.get(f"/api/notes/{bad_id}")
    assert response.status_code == 404, f"GET /api/notes/{bad_id} answered {response.status}"
'''
