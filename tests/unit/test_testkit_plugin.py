"""Tests of the hidden suites' pytest plugin: small real suites run with pytester."""

from __future__ import annotations

import contextlib
import json
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.testkit.plugin import Settings

from .rawhttp import raw_server

pytest_plugins = ["pytester"]

GRADER_VARIABLES = (
    "GRADER_APP_URL",
    "GRADER_SOURCE_DIR",
    "GRADER_RESULTS_FILE",
    "GRADER_TEST_TIMEOUT_S",
    "GRADER_DEFAULT_SKILL",
    "GRADER_SHUFFLE_SEED",
    "GRADER_FAIL_FAST",
    "GRADER_APP_ENV",
    "GRADER_APP_FILES_SOCKET",
)


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Return a function that runs a suite with the plugin and returns (result, results JSON)."""
    for name in GRADER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # as in the sandbox; and faster
    results_file = pytester.path / "out" / "results.json"
    results_file.parent.mkdir()

    def run(files: dict[str, str], **environ: str) -> tuple[pytest.RunResult, dict[str, Any]]:
        monkeypatch.setenv("GRADER_RESULTS_FILE", str(results_file))
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        for name, text in files.items():
            (pytester.path / name).write_text(textwrap.dedent(text))
        result = pytester.runpytest(
            "-p", "grader.testkit.plugin", "--strict-markers", "-p", "no:cacheprovider"
        )
        return result, json.loads(results_file.read_text())

    yield run


def rows_by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in document["tests"]}


@contextlib.contextmanager
def not_found_server() -> Iterator[str]:
    """Answer every connection with a 404 whose body names the problem."""
    reply = b"HTTP/1.1 404 NOT FOUND\r\nContent-Length: 7\r\nConnection: close\r\n\r\nno page"
    with raw_server(lambda conn, _stop: conn.sendall(reply)) as url:
        yield url


def test_settings_default_when_variables_are_unset_or_empty() -> None:
    assert Settings.from_environ({"GRADER_APP_URL": " ", "GRADER_DEFAULT_SKILL": ""}) == Settings(
        app_url=None,
        source_dir=None,
        results_file=None,
        test_timeout_s=10.0,
        default_skill="general",
    )


@pytest.mark.parametrize("timeout", ["soon", "0", "-1", "nan"])
def test_invalid_timeout_is_a_usage_error(timeout: str) -> None:
    with pytest.raises(pytest.UsageError, match="GRADER_TEST_TIMEOUT_S must be a positive"):
        Settings.from_environ({"GRADER_TEST_TIMEOUT_S": timeout})


def test_markers_set_weight_skill_and_visibility(run_suite: Any) -> None:
    result, document = run_suite(
        {
            "test_marked.py": """
                import pytest

                pytestmark = [pytest.mark.skill("sessions")]

                def test_defaults():
                    pass

                @pytest.mark.weight(3)
                @pytest.mark.skill("cookies")
                @pytest.mark.visible
                def test_marked():
                    pass

                @pytest.mark.weight(2)
                class TestGroup:
                    @pytest.mark.weight(0.5)
                    def test_closest_marker_wins(self):
                        pass

                    def test_class_marker(self):
                        pass
            """
        }
    )
    assert result.ret == 0
    rows = rows_by_name(document)
    assert [(r["weight"], r["skill"], r["visible"]) for r in rows.values()] == [
        (1.0, "sessions", False),
        (3.0, "cookies", True),
        (0.5, "sessions", False),
        (2.0, "sessions", False),
    ]
    assert rows["test_marked"]["id"] == "test_marked.py::test_marked"


def test_default_skill_comes_from_the_environment(run_suite: Any) -> None:
    _, document = run_suite(
        {"test_plain.py": "def test_plain():\n    pass\n"}, GRADER_DEFAULT_SKILL="routing"
    )
    assert document["tests"][0]["skill"] == "routing"


def test_docstring_first_line_is_the_description(run_suite: Any) -> None:
    _, document = run_suite(
        {
            "test_described.py": '''
                import pytest

                def test_documented():
                    """
                    GET /user/<id> rejects non-digits with 404

                    More detail the report does not show.
                    """

                def test_user_page_uses_int_converter():
                    pass

                @pytest.mark.parametrize("path", ["/a", "/b"])
                def test_paths(path):
                    """Each path answers"""
            '''
        }
    )
    assert [row["description"] for row in document["tests"]] == [
        "GET /user/<id> rejects non-digits with 404",
        "user page uses int converter",
        "Each path answers [/a]",
        "Each path answers [/b]",
    ]


def test_outcomes_are_passed_failed_error_skipped(run_suite: Any) -> None:
    result, document = run_suite(
        {
            "test_outcomes.py": """
                import pytest

                @pytest.fixture
                def broken_setup():
                    raise RuntimeError("setup broke")

                @pytest.fixture
                def broken_teardown():
                    yield
                    raise RuntimeError("teardown broke")

                def test_passes():
                    pass

                def test_fails():
                    status = 404
                    assert status == 200

                def test_setup_fails(broken_setup):
                    pass

                def test_teardown_fails(broken_teardown):
                    pass

                def test_skips():
                    pytest.skip("not on this platform")

                @pytest.mark.xfail(reason="known gap")
                def test_expected_to_fail():
                    assert False
            """
        }
    )
    assert result.ret == 1
    rows = rows_by_name(document)
    assert {name: row["outcome"] for name, row in rows.items()} == {
        "test_passes": "passed",
        "test_fails": "failed",
        "test_setup_fails": "error",
        "test_teardown_fails": "error",
        "test_skips": "skipped",
        "test_expected_to_fail": "skipped",
    }
    assert rows["test_passes"]["message"] is None
    assert rows["test_fails"]["message"] == "assert 404 == 200"
    assert rows["test_setup_fails"]["message"] == "RuntimeError: setup broke"
    assert rows["test_teardown_fails"]["message"] == "RuntimeError: teardown broke"
    assert rows["test_skips"]["message"] == "not on this platform"
    assert rows["test_expected_to_fail"]["message"] == "expected to fail: known gap"
    assert all(row["duration_s"] >= 0 for row in rows.values())
    assert document["schema"] == "grader.raw/1"
    assert document["exit_status"] == 1
    assert document["collected"] == 6
    assert document["errors"] == []


def test_long_failure_messages_are_capped(run_suite: Any) -> None:
    _, document = run_suite({"test_long.py": "def test_long():\n    assert False, 'x' * 5000\n"})
    message = document["tests"][0]["message"]
    assert len(message) <= 2000
    assert message.startswith("xxx")


INVALID_WEIGHTS = ["0", "-1", "'3'", "True", "1, 2", "float('inf')"]


def test_invalid_weight_makes_the_row_an_error(run_suite: Any) -> None:
    tests = "".join(
        f"@pytest.mark.weight({weight})\ndef test_weighted_{n}():\n    pass\n\n"
        for n, weight in enumerate(INVALID_WEIGHTS)
    )
    result, document = run_suite({"test_weighted.py": "import pytest\n\n" + tests})
    assert len(document["tests"]) == len(INVALID_WEIGHTS)
    for row, weight in zip(document["tests"], INVALID_WEIGHTS, strict=True):
        assert row["outcome"] == "error"
        assert row["message"].startswith("invalid weight marker weight("), weight
        assert row["weight"] == 1.0
    result.assert_outcomes(errors=len(INVALID_WEIGHTS))


def test_invalid_skill_makes_the_row_an_error(run_suite: Any) -> None:
    _, document = run_suite(
        {
            "test_skilled.py": """
                import pytest

                @pytest.mark.skill("")
                def test_skilled():
                    pass
            """
        }
    )
    assert document["tests"][0]["outcome"] == "error"
    assert document["tests"][0]["message"].startswith("invalid skill marker skill('')")


def test_sleeping_test_fails_at_its_timeout(run_suite: Any) -> None:
    result, document = run_suite(
        {
            "test_slow.py": """
                import time

                def test_sleeps():
                    time.sleep(10)

                def test_swallows_exceptions():
                    try:
                        time.sleep(10)
                    except Exception:
                        pass

                def test_after_the_slow_ones():
                    time.sleep(0.4)
            """
        },
        GRADER_TEST_TIMEOUT_S="0.3",
    )
    rows = rows_by_name(document)
    for name in ("test_sleeps", "test_swallows_exceptions"):
        assert rows[name]["outcome"] == "failed"
        assert rows[name]["message"] == "test exceeded its 0.3 s timeout"
        assert rows[name]["duration_s"] < 2
    assert rows["test_after_the_slow_ones"]["outcome"] == "failed"  # its own timer, re-armed
    result.assert_outcomes(failed=3)


def test_collection_error_is_recorded(run_suite: Any) -> None:
    result, document = run_suite(
        {
            "test_broken.py": "import not_a_module_anywhere\n",
            "test_fine.py": "def test_fine():\n    pass\n",
        }
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert document["exit_status"] == 2
    [error] = document["errors"]
    assert error.startswith("test_broken.py: ")
    assert "No module named 'not_a_module_anywhere'" in error
    assert rows_by_name(document)["test_fine"]["outcome"] == "error"


def test_results_file_is_replaced_atomically(run_suite: Any, pytester: pytest.Pytester) -> None:
    results_file = pytester.path / "out" / "results.json"
    results_file.write_text("stale")
    stale_inode = results_file.stat().st_ino
    _, document = run_suite({"test_one.py": "def test_one():\n    pass\n"})
    assert document["tests"][0]["outcome"] == "passed"
    assert results_file.stat().st_ino != stale_inode  # renamed into place, not rewritten
    assert [p.name for p in results_file.parent.iterdir()] == ["results.json"]


def test_no_results_file_without_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in GRADER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile("def test_one():\n    pass\n")
    before = set(pytester.path.rglob("*"))
    result = pytester.runpytest("-p", "grader.testkit.plugin", "-p", "no:cacheprovider")
    assert result.ret == 0
    assert {p for p in pytester.path.rglob("*") if "__pycache__" not in p.parts} <= before


def test_client_fixture_needs_the_app_url(run_suite: Any) -> None:
    _, document = run_suite({"test_http.py": "def test_http(client):\n    client.get('/')\n"})
    row = document["tests"][0]
    assert row["outcome"] == "error"
    assert row["message"].startswith("GRADER_APP_URL is not set")


def test_app_files_fixture_needs_the_supervisor_socket(run_suite: Any) -> None:
    _, document = run_suite(
        {"test_files.py": "def test_files(app_files):\n    app_files.read_text('x')\n"}
    )
    row = document["tests"][0]
    assert row["outcome"] == "error"
    assert row["message"].startswith("GRADER_APP_FILES_SOCKET is not set")


def test_app_files_without_a_service_fail_the_test_clearly(run_suite: Any, tmp_path: Path) -> None:
    _, document = run_suite(
        {"test_files.py": "def test_files(app_files):\n    app_files.read_text('x.txt')\n"},
        GRADER_APP_FILES_SOCKET=str(tmp_path / "absent.sock"),
    )
    row = document["tests"][0]
    assert row["outcome"] == "failed"
    assert row["message"].startswith(
        "AppFileError: app file x.txt: the grader's copy service is unavailable"
    ), row["message"]


def test_failed_test_reports_every_exchange_in_order(run_suite: Any) -> None:
    with not_found_server() as url:
        _, document = run_suite(
            {
                "test_http.py": """
                    def test_passes(client):
                        assert client.get("/").status_code == 404

                    def test_fails(client, make_client):
                        client.get("/first")
                        other = make_client()
                        assert other.get("/second", headers={"X-Who": "other"}).status_code == 200
            """
            },
            GRADER_APP_URL=url,
        )
    rows = rows_by_name(document)
    assert rows["test_passes"]["exchanges"] == []
    failed = rows["test_fails"]
    assert failed["message"].startswith("assert 404 == 200")
    first, second = failed["exchanges"]
    assert first["url"] == f"{url}/first" and first["failing"] is False
    assert second["url"] == f"{url}/second" and second["failing"] is True
    assert second["request_headers"]["X-Who"] == "other"
    assert second["status"] == 404
    assert second["response_body"] == "no page"


def test_the_failing_line_blames_the_response_it_names(run_suite: Any) -> None:
    """A check of an earlier response marks that request, not the last one sent."""
    with not_found_server() as url:
        _, document = run_suite(
            {
                "test_http.py": """
                    def test_steps(client):
                        created = client.post("/create", json={})
                        client.get("/check")
                        assert created.status_code == 201, "step 1: creating failed"
            """
            },
            GRADER_APP_URL=url,
        )
    row = document["tests"][0]
    assert row["message"].startswith("step 1: creating failed")
    assert [(e["method"], e["failing"]) for e in row["exchanges"]] == [
        ("POST", True),
        ("GET", False),
    ]


def test_messages_carry_no_object_addresses_or_verbosity_hints(run_suite: Any) -> None:
    with not_found_server() as url:
        _, document = run_suite(
            {
                "test_http.py": """
                    def test_noise(client):
                        got = {"status": client.get("/x").status_code, "kept": "same"}
                        assert got == {"status": 200, "kept": "same"}, client
            """
            },
            GRADER_APP_URL=url,
        )
    message = document["tests"][0]["message"]
    assert "object at 0x" not in message and "<Client>" in message
    assert "-v to get" not in message and "use -vv" not in message.lower()


def test_requirement_markers_add_up_from_module_to_test(run_suite: Any) -> None:
    _, document = run_suite(
        {
            "test_reqs.py": """
                import pytest
                pytestmark = pytest.mark.requirement("R2")

                @pytest.mark.requirement("R10", "R1")
                def test_both():
                    pass

                @pytest.mark.requirement("two")
                def test_bad():
                    pass
            """
        }
    )
    rows = rows_by_name(document)
    assert rows["test_both"]["requirements"] == ["R1", "R2", "R10"]
    assert rows["test_bad"]["outcome"] == "error"
    assert "invalid requirement marker requirement('two')" in rows["test_bad"]["message"]


def test_a_seed_shuffles_the_order_the_same_way_every_time(run_suite: Any) -> None:
    suite = {"test_order.py": "\n".join(f"def test_{n:02d}():\n    pass\n" for n in range(20))}
    orders = [
        [row["name"] for row in run_suite(suite, GRADER_SHUFFLE_SEED=seed)[1]["tests"]]
        for seed in ("7", "7", "8")
    ]
    _, plain = run_suite(suite, GRADER_SHUFFLE_SEED="")
    assert orders[0] == orders[1] != orders[2]
    assert sorted(orders[0]) == [row["name"] for row in plain["tests"]] != orders[0]


def test_fail_fast_stops_at_the_first_failure(run_suite: Any) -> None:
    _, document = run_suite(
        {
            "test_fast.py": """
                def test_a():
                    assert False
                def test_b():
                    pass
            """
        },
        GRADER_FAIL_FAST="1",
    )
    rows = rows_by_name(document)
    assert rows["test_a"]["outcome"] == "failed"
    assert rows["test_b"]["outcome"] == "error"
    assert "not run" in rows["test_b"]["message"]


def test_client_errors_fail_the_test_with_their_message(run_suite: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    _, document = run_suite(
        {"test_http.py": "def test_http(client):\n    client.get('/')\n"},
        GRADER_APP_URL=f"http://127.0.0.1:{port}",
    )
    row = document["tests"][0]
    assert row["outcome"] == "failed"
    assert row["message"].startswith("AppUnreachable: GET /: the app is not answering")
    assert row["exchanges"][0]["status"] is None
    assert row["exchanges"][0]["failing"] is True


def test_source_fixture_reads_the_submission(run_suite: Any, tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    (submission / "app").mkdir(parents=True)
    (submission / "app" / "__init__.py").write_text("SECRET_KEY = 'dev'\n")
    _, document = run_suite(
        {
            "test_source.py": """
                def test_reads(source):
                    assert source.files == ["app/__init__.py"]
                    assert "SECRET_KEY" in source.all_text()
            """
        },
        GRADER_SOURCE_DIR=str(submission),
    )
    assert document["tests"][0]["outcome"] == "passed"


def test_app_env_fixture_gives_the_manifests_environment(pytester, monkeypatch, tmp_path):
    """Tests read [app.env] through `app_env` instead of copying its values."""
    results = tmp_path / "results.json"
    monkeypatch.setenv("GRADER_RESULTS_FILE", str(results))
    monkeypatch.setenv("GRADER_APP_ENV", '{"SECRET_KEY": "from-manifest"}')
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(
        """
        def test_reads_env(app_env):
            assert app_env == {"SECRET_KEY": "from-manifest"}
        """
    )
    outcome = pytester.runpytest("-p", "grader.testkit.plugin")
    outcome.assert_outcomes(passed=1)


def test_a_visible_tests_exchanges_are_timed_and_bounded_by_what_came_next(run_suite: Any) -> None:
    """The host cuts the app's log of a visible request by these times; a hidden test has none."""
    with not_found_server() as url:
        _, document = run_suite(
            {
                "test_http.py": """
                    import pytest

                    @pytest.mark.visible
                    def test_a_visible(client):
                        client.get("/one")
                        assert client.get("/two").status_code == 200

                    @pytest.mark.visible
                    def test_b_visible(client):
                        assert client.get("/three").status_code == 200

                    def test_c_hidden(client):
                        assert client.get("/four").status_code == 200
            """
            },
            GRADER_APP_URL=url,
        )
    rows = rows_by_name(document)
    one, two = rows["test_a_visible"]["exchanges"]
    (three,) = rows["test_b_visible"]["exchanges"]
    assert one["t0"] <= one["t1"] <= one["t_next"] == two["t0"] <= two["t1"]
    # the next test began before its first request: its start bounds the previous request
    assert two["t1"] <= two["t_next"] < three["t0"] <= three["t1"] <= three["t_next"]
    (hidden,) = rows["test_c_hidden"]["exchanges"]
    assert not {"t0", "t1", "t_next"} & hidden.keys()
