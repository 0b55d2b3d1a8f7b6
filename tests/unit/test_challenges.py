"""Challenge manifests are checked and every problem is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.challenges import AppEntry, find_challenge, load_challenge, parse_entry
from grader.errors import ChallengeError
from grader.grading import run_limits
from grader.sandbox import SandboxJob

PROBE = Path(__file__).parents[1] / "fixtures" / "challenges" / "sandbox-probe"
CAP = '\n[[scoring.caps]]\nname = "leaks a secret"\nwhen = "{when}"\nmax = {max}\n'


@pytest.fixture
def challenge_dir(tmp_path: Path) -> Path:
    target = tmp_path / "sandbox-probe"
    shutil.copytree(PROBE, target)
    return target


def test_probe_challenge_loads_with_its_limits(challenge_dir: Path):
    challenge = load_challenge(challenge_dir)
    assert challenge.slug == "sandbox-probe"
    assert challenge.limits["deadline_s"] == 40
    assert challenge.app_env == {"PROBE_SETTING": "from-manifest"}
    assert len(challenge.version) == 16


def test_version_changes_when_the_suite_changes(challenge_dir: Path):
    before = load_challenge(challenge_dir).version
    (challenge_dir / "tests" / "test_extra.py").write_text("def test_x():\n    pass\n")
    assert load_challenge(challenge_dir).version != before


def test_caps_equivalent_mutants_and_requirements_load(challenge_dir: Path):
    manifest = challenge_dir / "challenge.toml"
    manifest.write_text(
        manifest.read_text()
        + CAP.format(when="requirements['R2'] < 100", max=40)
        + "\n[mutation]\nthreshold = 85\n"
        + 'equivalent = [{ id = "app.py:12:status-code:1", reason = "both mean gone" }]\n'
    )
    (challenge_dir / "README.md").write_text(
        "# Probe\n\n- **R1** It serves.\n- **R2** It keeps\n  its secrets.\n"
    )
    challenge = load_challenge(challenge_dir)
    assert challenge.caps[0].name == "leaks a secret" and challenge.caps[0].max == 40
    assert challenge.mutation.threshold == 85
    assert challenge.mutation.equivalent == {"app.py:12:status-code:1": "both mean gone"}
    assert challenge.requirements == {"R1": "It serves.", "R2": "It keeps its secrets."}


def test_version_changes_when_the_starter_changes(challenge_dir: Path):
    before = load_challenge(challenge_dir).version
    (challenge_dir / "starter" / "app.py").write_text("# a new starter\n")
    assert load_challenge(challenge_dir).version != before


def test_a_sample_with_an_unknown_key_is_refused(challenge_dir: Path):
    (challenge_dir / "samples" / "s").mkdir(parents=True)
    manifest = challenge_dir / "challenge.toml"
    manifest.write_text(manifest.read_text() + "\n[samples.s]\nmin = 1\nmax = 2\nmaxi = 3\n")
    with pytest.raises(ChallengeError, match=r"\[samples.s\]: unknown key 'maxi'; did you mean"):
        load_challenge(challenge_dir)


def test_version_changes_when_the_statement_changes(challenge_dir: Path):
    before = load_challenge(challenge_dir).version
    readme = challenge_dir / "README.md"
    readme.write_text(readme.read_text() + "\n- **R9** A new promise.\n")
    assert load_challenge(challenge_dir).version != before


def test_a_requirement_numbered_twice_is_refused(challenge_dir: Path):
    (challenge_dir / "README.md").write_text("- **R1** one\n- **R1** again\n")
    with pytest.raises(ChallengeError, match="R1 is numbered twice"):
        load_challenge(challenge_dir)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('id = "sandbox-probe"', 'id = "other"'), "must equal the folder name"),
        (lambda t: t.replace('entry = "app:app"', 'entry = "app; rm -rf /"'), "entry"),
        (lambda t: t.replace('difficulty = "easy"', 'difficulty = "extreme"'), "difficulty"),
        (lambda t: t.replace("pids = 64", "pids = -1"), "positive"),
        (lambda t: t.replace("pids = 64", "gpus = 1"), r"\[limits\]: unknown key 'gpus'"),
        (lambda t: t.replace("pids = 64", "pid = 64"), "unknown key 'pid'; did you mean 'pids'"),
        (lambda t: "titel = 'x'\n" + t, "unknown key 'titel'; did you mean 'title'"),
        (
            lambda t: t.replace("[app.env]", 'set_up = ["flask init-db"]\n[app.env]'),
            r"\[app\]: unknown key 'set_up'; did you mean 'setup'",
        ),
        (lambda t: t.replace("starter_max = 50", "starter_maximum = 50"), "'starter_max'"),
        (lambda t: t.replace('skills = ["serving", "isolation"]', "skills = []"), "skills"),
        (lambda t: t + "\n[samples.missing]\nmin = 0\nmax = 10\n", "samples/missing is missing"),
        (lambda t: t + "\n[samples.x]\nmin = 50\nmax = 10\n", "min <= max"),
        (lambda t: t.replace("[app]", "[app"), "challenge.toml"),
        (lambda t: t.replace('title = "Sandbox probe"\n', ""), "missing key 'title'"),
        (
            lambda t: "scoring = 3\n" + t.replace("[scoring]", "[other]"),
            "'scoring' must be a table",
        ),
        (
            lambda t: 'limits = "fast"\n' + t.replace("[limits]", "[more]"),
            "'limits' must be a table",
        ),
        (lambda t: t.replace("starter_max = 50", 'starter_max = "low"'), "starter_max"),
        (lambda t: t.replace("[app.env]", "[app.env]\nX = 1"), "values must be strings"),
        (lambda t: "samples = [1]\n" + t, "'samples' must be a table"),
        (lambda t: "deep = " + "[" * 50000 + "]" * 50000 + "\n" + t, "nested too deeply"),
        (lambda t: "\udcff", "challenge.toml"),
        (lambda t: t + CAP.format(when="requirements['R1'] < 100", max=150), "0 <= max <= 100"),
        (lambda t: t + CAP.format(when="__import__('os')", max=50), "'when'"),
        (lambda t: t + CAP.format(when="x ** 2", max=50), "may not use Pow"),
        (lambda t: t + '\n[[scoring.caps]]\nname = "x"\nwhen = "1"\nmax = 5\nwhy = 1\n', "'why'"),
        (lambda t: t + "\n[mutation]\nthreshold = 120\n", "threshold"),
        (lambda t: t + '\n[mutation]\nequivalent = [{ id = "x", reason = "y" }]\n', "mutant id"),
        (
            lambda t: t + '\n[mutation]\nequivalent = [{ id = "app.py:3:flag:1", reason = " " }]\n',
            "needs a reason",
        ),
        (lambda t: t + "\n[mutation]\nkill_all = true\n", "unknown key 'kill_all'"),
    ],
)
def test_broken_manifest_is_rejected_with_the_reason(challenge_dir: Path, edit, message):
    manifest = challenge_dir / "challenge.toml"
    manifest.write_text(edit(manifest.read_text()), errors="surrogateescape")
    with pytest.raises(ChallengeError, match=message):
        load_challenge(challenge_dir)


def test_unknown_challenge_lists_the_known_ones(tmp_path: Path, challenge_dir: Path):
    with pytest.raises(ChallengeError, match="unknown challenge 'nope'; known: sandbox-probe"):
        find_challenge("nope", tmp_path)


def _with_entry(challenge_dir: Path, entry: str) -> Path:
    manifest = challenge_dir / "challenge.toml"
    text = manifest.read_text()
    assert 'entry = "app:app"' in text
    manifest.write_text(text.replace('entry = "app:app"', f"entry = {json.dumps(entry)}"))
    return challenge_dir


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("app:app", AppEntry("app", "app")),
        ("pkg.web:create_app()", AppEntry("pkg.web", "create_app", call=True)),
        (
            'app:create_app({"TESTING": True})',
            AppEntry("app", "create_app", True, ({"TESTING": True},)),
        ),
        (
            'flaskr:create_app("config.py", debug=False)',
            AppEntry("flaskr", "create_app", True, ("config.py",), {"debug": False}),
        ),
        (
            "app:make(1, -2.5, None, (1, 'a'), [[]], {'k': (True,)}, name='x')",
            AppEntry(
                "app", "make", True, (1, -2.5, None, [1, "a"], [[]], {"k": [True]}), {"name": "x"}
            ),
        ),
    ],
)
def test_entries_load_with_their_literal_arguments(challenge_dir: Path, entry, expected):
    challenge = load_challenge(_with_entry(challenge_dir, entry))
    assert challenge.entry == entry
    assert parse_entry(entry) == expected
    fields = parse_entry(entry).job_fields()
    assert json.loads(json.dumps(fields)) == fields  # tuples are lists already


def test_the_job_carries_the_parsed_entry_as_json(probe_challenge, settings):
    job = SandboxJob(
        submission_dir=Path("."),
        tests_dir=Path("."),
        entry='app:create_app("config.py", (1, 2), debug=False)',
        app_env={},
        default_skill="serving",
        limits=run_limits(settings, probe_challenge),
    )
    document = json.loads(json.dumps(job.job_document()))
    assert document["entry"] == {
        "module": "app",
        "attribute": "create_app",
        "call": True,
        "args": ["config.py", [1, 2]],
        "kwargs": {"debug": False},
    }


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("app:create_app(os.system('x'))", r"entry argument 1 is not a literal: os\.system\('x'\)"),
        ("app:create_app(1, os.system('x'))", r"entry argument 2 is not a literal: os\.system"),
        ("app:create_app(config)", "entry argument 1 is not a literal: config"),
        ("app:create_app(debug=sys.flags)", "entry argument debug= is not a literal: sys.flags"),
        ("app:create_app(f'{x}')", "entry argument 1 is not a literal: f'{x}'"),
        ("app:create_app(lambda: 1)", "entry argument 1 is not a literal: lambda: 1"),
        ("app:create_app(**options)", r"entry unpacks \*\*options"),
        ("app:create_app(*options)", r"entry argument 1 unpacks \*options"),
        ("app:create_app(" + "1" * 584 + ")", "entry is 600 characters long; at most 500"),
        ("app:create_app(b'x')", "entry argument 1 is a bytes"),
        ("app:create_app({1: 2})", "not a string"),
        ("app:create_app(1e999)", "not a finite number"),
        ("app:create_app(" + "-" * 400 + "1)", "not a literal: .an expression nested too deeply"),
        ("app:create_app(" + "[" * 20 + "]" * 20 + ")", "nested more than 16 deep"),
        ("app:create_app(1)(2)", "must be one call"),
        ("app:create_app(1) or 2", "must be one call"),
        ("app:create_app(a=1, a=2)", "entry repeats argument a="),
        ("app:create_app(", "does not parse"),
        ("app:create_app (1)", "must look like"),
        ("app.create_app()", "must look like"),
    ],
)
def test_a_bad_entry_is_refused_naming_what_is_wrong(challenge_dir: Path, entry, message):
    with pytest.raises(ChallengeError, match=message) as refused:
        load_challenge(_with_entry(challenge_dir, entry))
    assert "[app]" in str(refused.value)


RUBRIC_ITEM = '\n[[rubric.items]]\nname = "{name}"\npoints = {points}\n'


def test_a_rubric_loads_in_its_order(challenge_dir: Path):
    manifest = challenge_dir / "challenge.toml"
    manifest.write_text(
        manifest.read_text()
        + RUBRIC_ITEM.format(name="code clarity", points=10)
        + 'description = "Small views"\n'
        + RUBRIC_ITEM.format(name="structure", points=2.5)
    )
    rubric = load_challenge(challenge_dir).rubric
    assert [(r.name, r.points, r.description) for r in rubric] == [
        ("code clarity", 10.0, "Small views"),
        ("structure", 2.5, ""),
    ]


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ("\n[rubric]\nitem = []\n", r"\[rubric\]: unknown key 'item'; did you mean 'items'"),
        ("\n[rubric]\nitems = 3\n", r"items must be a list of tables \(\[\[rubric.items\]\]\)"),
        (RUBRIC_ITEM.format(name="x", points=10) + "weight = 2\n", "unknown key 'weight'"),
        (RUBRIC_ITEM.format(name=" ", points=10), "name must be 1 to 100 characters"),
        (RUBRIC_ITEM.format(name="x", points=0), r"#1 \(x\): points must be more than 0"),
        (RUBRIC_ITEM.format(name="x", points=101), "at most 100"),
        (RUBRIC_ITEM.format(name="x", points='"ten"'), "'points' has the wrong type"),
        (RUBRIC_ITEM.format(name="x", points="true"), "'points' has the wrong type"),
        ("\n[[rubric.items]]\npoints = 5\n", "#1: missing key 'name'"),
        (
            RUBRIC_ITEM.format(name="Clarity", points=5)
            + RUBRIC_ITEM.format(name="clarity", points=5),
            r"#2: the name 'clarity' is used twice",
        ),
        (RUBRIC_ITEM.format(name="x", points=5) + "description = 3\n", "description must be text"),
        ("".join(RUBRIC_ITEM.format(name=f"i{n}", points=1) for n in range(21)), "at most 20"),
    ],
)
def test_a_broken_rubric_is_refused_naming_what_is_wrong(challenge_dir: Path, addition, message):
    manifest = challenge_dir / "challenge.toml"
    manifest.write_text(manifest.read_text() + addition)
    with pytest.raises(ChallengeError, match=message):
        load_challenge(challenge_dir)
