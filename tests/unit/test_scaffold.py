"""`grader challenges new`: a scaffold that validates as made, a Flask project as a reference,
and one clear line for every refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.challenges import load_challenge
from grader.cli import cli
from grader.scaffold import detect_entry, find_routes, module_name

FACTORY_PROJECT = {
    "flaskr/__init__.py": """\
from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)

    @app.route("/hello")
    def hello():
        return "Hello, World!"

    from flaskr import auth

    app.register_blueprint(auth.bp)
    return app
""",
    "flaskr/auth.py": """\
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/register", methods=("GET", "POST"))
def register():
    return "register"


@bp.get("/logout")
def logout():
    return "bye"
""",
    "tests/test_auth.py": "def test_register(client):\n    pass\n",
    "tests/conftest.py": "",
    "instance/flaskr.sqlite": "not a real database",
    ".env": "SECRET_KEY=do-not-ship\n",
    "flaskr/__pycache__/auth.cpython-311.pyc": "",
    "env/pyvenv.cfg": "home = /usr/bin\n",
    "env/lib/site.py": "x = 1\n",
}


def _invoke(*args: str, tmp_path: Path) -> Result:
    env = {"GRADER_REPORTS_DIR": str(tmp_path / "reports"), "GRADER_CONFIG": ""}
    return CliRunner().invoke(cli, list(args), env=env)


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _refused(result: Result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def _validate(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, str]]:
    """Validate a challenge folder bare; return the exit code and each check's ok/BAD line."""
    result = _invoke("challenges", "validate", str(root), "--bare", "--seed", "7", *extra,
                     tmp_path=tmp_path)  # fmt: skip
    checks = {}
    for line in result.stdout.splitlines():
        if line.startswith(("  ok ", "  BAD")):
            name = line[7:].split(":", 1)[0]
            checks[name] = line
    return result.exit_code, checks


# -- the example scaffold -------------------------------------------------------------------


@pytest.mark.slow
def test_the_example_scaffold_validates_bare_with_its_mutants_killed(tmp_path: Path):
    made = _invoke("challenges", "new", "notes-demo", "--dir", str(tmp_path), tmp_path=tmp_path)
    assert made.exit_code == 0, made.output
    root = tmp_path / "notes-demo"
    assert f"grader challenges validate {root} --bare --mutants" in made.stdout
    challenge = load_challenge(root)
    assert list(challenge.requirements) == ["R1", "R2", "R3"]
    assert len(challenge.samples) == 3

    code, checks = _validate(root, tmp_path, "--mutants")

    assert code == 0, "\n".join(line for line in checks.values() if "BAD" in line)
    assert all(line.startswith("  ok ") for line in checks.values())
    assert "suite kills >= 90% of mutants of the reference" in checks
    assert "100%" in checks["suite kills >= 90% of mutants of the reference"]


def test_the_manifest_comments_every_section_and_the_setup_step():
    from grader.scaffold import EXAMPLE_MANIFEST, PROJECT_MANIFEST

    for manifest in (EXAMPLE_MANIFEST, PROJECT_MANIFEST):
        assert "\n# setup = [" in manifest  # commented out: the author opts in
        for section in ("[app]", "[limits]", "[scoring]", "[mutation]", "[[scoring.caps]]"):
            line = next(line for line in manifest.splitlines() if section in line)
            assert "#" in line.split(section, 1)[1] or line.startswith("#"), line


def test_the_default_folder_is_the_bank_and_validate_takes_the_slug(tmp_path: Path):
    env_dir = tmp_path / "bank"
    result = CliRunner().invoke(
        cli, ["challenges", "new", "my-notes"], env={"GRADER_CHALLENGES_DIR": str(env_dir)}
    )
    assert result.exit_code == 0, result.output
    assert (env_dir / "my-notes" / "challenge.toml").is_file()
    assert "grader challenges validate my-notes --bare --mutants" in result.stdout
    assert not [p for p in env_dir.iterdir() if p.name.startswith(".")]  # no staging left


# -- from a Flask project --------------------------------------------------------------------


def test_a_flask_project_becomes_the_reference_and_validates_as_far_as_it_can(tmp_path: Path):
    project = _project(tmp_path / "flaskr-project", FACTORY_PROJECT)
    bank = tmp_path / "bank"

    made = _invoke("challenges", "new", "blog", "--from", str(project), "--dir", str(bank),
                   tmp_path=tmp_path)  # fmt: skip

    assert made.exit_code == 0, made.output
    root = bank / "blog"
    assert "entry: flaskr:create_app() (found in flaskr/__init__.py)" in made.stdout
    assert "tests/" in made.stdout and "Porting a Flask project" in made.stdout
    assert ".env" in made.stdout and "instance/" in made.stdout
    for side in ("solution", "starter"):
        copied = sorted(p.relative_to(root / side).as_posix() for p in (root / side).rglob("*"))
        assert copied == ["flaskr", "flaskr/__init__.py", "flaskr/auth.py"]
    statement = (root / "README.md").read_text()
    assert "TODO (author)" in statement and "trim" in statement
    assert "| GET, POST | `/auth/register` | `register` | `flaskr/auth.py:6` |" in statement
    assert "| GET | `/auth/logout` | `logout` |" in statement
    assert 'client.get("/hello")' in (root / "tests" / "test_example.py").read_text()
    assert load_challenge(root).entry == "flaskr:create_app()"

    code, checks = _validate(root, tmp_path)

    # The reference serves and passes the example; what the author must still write fails.
    assert checks["reference scores 100 on 3 runs, 2 in shuffled orders"].startswith("  ok ")
    assert checks["every numbered requirement is tested"].startswith("  ok ")
    assert checks["starter runs and scores at most 40"].startswith("  BAD")  # trim it
    assert checks["at least 3 samples"].startswith("  BAD")
    assert code == 1


def test_entry_override_is_checked_against_the_project(tmp_path: Path):
    project = _project(tmp_path / "p", {"wsgi.py": "from flask import Flask\napp = Flask('x')\n"})
    made = _invoke("challenges", "new", "c", "--from", str(project), "--entry", "wsgi:app",
                   "--dir", str(tmp_path / "bank"), tmp_path=tmp_path)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "entry: wsgi:app (--entry)" in made.stdout
    assert 'entry = "wsgi:app"' in (tmp_path / "bank" / "c" / "challenge.toml").read_text()


# -- refusals: one line on stderr, exit 2 ----------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "fragment"),
    [
        ("Notes", "lower-case letters, digits and dashes"),
        ("-notes", "lower-case letters"),
        ("notes_api", "lower-case letters"),
        ("a" * 64, "1 to 63"),
        ("../escape", "lower-case letters"),
    ],
)
def test_an_invalid_slug_is_refused(tmp_path: Path, slug: str, fragment: str):
    result = _invoke("challenges", "new", "--dir", str(tmp_path), "--", slug, tmp_path=tmp_path)
    _refused(result, fragment)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_target_is_refused_and_left_alone(tmp_path: Path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    result = _invoke("challenges", "new", "notes", "--dir", str(tmp_path), tmp_path=tmp_path)
    _refused(result, "already exists")
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["keep.txt"]


def _from(tmp_path: Path, project: Path | str, *extra: str) -> Result:
    return _invoke("challenges", "new", "c", "--from", str(project), "--dir",
                   str(tmp_path / "bank"), *extra, tmp_path=tmp_path)  # fmt: skip


def test_a_missing_project_is_refused(tmp_path: Path):
    _refused(_from(tmp_path, tmp_path / "nowhere"), "does not exist")


def test_a_project_that_is_a_file_is_refused(tmp_path: Path):
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    _refused(_from(tmp_path, tmp_path / "app.py"), "is not a folder")


def test_a_project_without_python_is_refused(tmp_path: Path):
    _project(tmp_path / "p", {"README.md": "hello", "tests/test_x.py": ""})
    _refused(_from(tmp_path, tmp_path / "p"), "has no Python file")


def test_a_project_without_a_flask_app_is_refused_with_the_way_out(tmp_path: Path):
    _project(tmp_path / "p", {"tool.py": "def main():\n    pass\n"})
    _refused(_from(tmp_path, tmp_path / "p"), "no Flask app found")
    assert "--entry" in _from(tmp_path, tmp_path / "p").stderr


def test_a_project_holding_the_target_is_refused(tmp_path: Path):
    project = _project(tmp_path / "p", {"app.py": "from flask import Flask\napp = Flask('a')\n"})
    result = _invoke("challenges", "new", "c", "--from", str(project), "--dir",
                     str(project / "challenges"), tmp_path=tmp_path)  # fmt: skip
    _refused(result, "would be inside")
    assert not (project / "challenges").exists()


def test_a_project_inside_the_target_is_refused(tmp_path: Path):
    project = _project(tmp_path / "bank" / "c" / "solution", {"app.py": "app = 1\n"})
    _refused(_from(tmp_path, project), "is inside the new challenge's folder")


def test_a_symlink_in_the_project_is_refused(tmp_path: Path):
    project = _project(tmp_path / "p", {"app.py": "from flask import Flask\napp = Flask('a')\n"})
    os.symlink("/etc/passwd", project / "passwd")
    _refused(_from(tmp_path, project), "is a symlink")
    assert not (tmp_path / "bank" / "c").exists()


def test_a_huge_project_is_refused(tmp_path: Path):
    files = {f"static/{n}.txt": "x" for n in range(201)}
    project = _project(tmp_path / "p", {**files, "app.py": "from flask import Flask\napp = 1\n"})
    _refused(_from(tmp_path, project), "more than 200 files")


def test_a_bad_entry_override_is_refused(tmp_path: Path):
    project = _project(tmp_path / "p", {"app.py": "x = 1\n"})
    _refused(_from(tmp_path, project, "--entry", "app:make(os.environ)"), "not a literal")
    _refused(_from(tmp_path, project, "--entry", "other:app"), "no module 'other'")


def test_entry_without_from_is_refused(tmp_path: Path):
    result = _invoke("challenges", "new", "c", "--entry", "app:app", "--dir", str(tmp_path),
                     tmp_path=tmp_path)  # fmt: skip
    _refused(result, "--entry goes with --from")


# -- entry and route detection --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "entry"),
    [
        ({"flaskr/__init__.py": "def create_app(test_config=None):\n    pass\n"},
         "flaskr:create_app()"),
        ({"app.py": "def create_app():\n    pass\n"}, "app:create_app()"),
        ({"pkg/factory.py": "def create_app(*, debug=False):\n    pass\n"},
         "pkg.factory:create_app()"),
        ({"app.py": "from flask import Flask\napp = Flask(__name__)\n"}, "app:app"),
        ({"wsgi.py": "import flask\napplication = flask.Flask(__name__)\n"},
         "wsgi:application"),
        ({"main.py": "from flask import Flask\nweb = Flask(__name__)\napp = Flask('b')\n"},
         "main:app"),
        # A factory wins over a module-level app, the shallowest file first.
        ({"app.py": "from flask import Flask\napp = Flask(__name__)\n",
          "deep/pkg/__init__.py": "def create_app():\n    pass\n",
          "site/__init__.py": "def create_app():\n    pass\n"}, "site:create_app()"),
        # A factory that needs arguments is skipped when a module-level app exists.
        ({"a.py": "def create_app(config):\n    pass\n",
          "b.py": "from flask import Flask\napp = Flask('b')\n"}, "b:app"),
    ],
)  # fmt: skip
def test_the_entry_is_found_by_reading_the_source(sources: dict[str, str], entry: str):
    assert detect_entry(sources)[0] == entry


@pytest.mark.parametrize(
    ("sources", "fragment"),
    [
        ({"app.py": "def create_app(config):\n    pass\n"}, "takes required arguments"),
        ({"__init__.py": "def create_app():\n    pass\n"}, "package itself"),
        ({"app.py": "app = make_app()\n"}, "pass --entry"),
        ({"my-app/app.py": "from flask import Flask\napp = Flask('x')\n"}, "pass --entry"),
        ({"app.py": "def create_app(:\n"}, "pass --entry"),  # does not parse
        ({"app.py": "def build():\n    app = Flask(__name__)\n"}, "pass --entry"),
    ],
)
def test_no_usable_entry_tells_the_author_to_pass_entry(sources: dict[str, str], fragment: str):
    from grader.errors import InputRejected

    with pytest.raises(InputRejected, match=fragment):
        detect_entry(sources)


@pytest.mark.parametrize(
    ("rel", "module"),
    [("app.py", "app"), ("flaskr/__init__.py", "flaskr"), ("a/b/c.py", "a.b.c"),
     ("my-app/app.py", None), ("class.py", None), ("__init__.py", None)],
)  # fmt: skip
def test_module_names(rel: str, module: str | None):
    assert module_name(rel) == module


def test_routes_carry_blueprint_prefixes_and_methods():
    sources = {
        "shop/views.py": """\
from flask import Blueprint
bp = Blueprint("cart", __name__, url_prefix="/cart/")
api = Blueprint("api", __name__)

@bp.route("/", methods=["GET", "post"])
def show(): ...

@bp.delete("/<int:item>")
def remove(item): ...

@api.put("/api/items/<name>")
def put(name): ...

def setup(app):
    app.add_url_rule("/about", "about", about)
    app.add_url_rule("/help", view_func=help_page)
"""
    }
    found = {(r.path, r.methods, r.view) for r in find_routes(sources)}
    assert found == {
        ("/cart/", ("GET", "POST"), "show"),
        ("/cart/<int:item>", ("DELETE",), "remove"),
        ("/api/items/<name>", ("PUT",), "put"),
        ("/about", ("GET",), "about"),
        ("/help", ("GET",), "help_page"),
    }


@pytest.mark.parametrize(
    ("source", "step"),
    [
        ('import click\n@click.command("init-db")\ndef init_db_command():\n    pass\n',
         "flask --app flaskr init-db"),
        ("def register(app):\n    @app.cli.command()\n    def seed_data_command():\n        pass\n",
         "flask --app flaskr seed-data"),
        ('@bp.cli.command("load")\ndef a(): ...\n@click.command("initdb")\ndef b(): ...\n',
         "flask --app flaskr initdb"),
        ("def create_app():\n    pass\n", "flask --app flaskr init-db"),  # none: an example
    ],
)  # fmt: skip
def test_the_suggested_setup_step_is_the_projects_own_init_command(source: str, step: str):
    from grader.scaffold import suggested_setup

    assert suggested_setup('flaskr:create_app({"A": 1})', {"flaskr/db.py": source}) == step
