"""Settings come from defaults, then file, then environment, then overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import Settings, describe_settings, load_settings
from grader.errors import InputRejected


def test_defaults_apply_without_any_source():
    assert load_settings(environ={}) == Settings()


def test_later_sources_win(tmp_path: Path):
    config = tmp_path / "grader.toml"
    config.write_text("memory_mb = 300\ncpus = 0.5\n")
    settings = load_settings(
        environ={"GRADER_CONFIG": str(config), "GRADER_MEMORY_MB": "400"},
        overrides={"pids": 50},
    )
    assert (settings.memory_mb, settings.cpus, settings.pids) == (400, 0.5, 50)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GRADER_MEMORY_MB": "lots"}, "not a valid int"),
        ({"GRADER_CONFIG": "/nonexistent/grader.toml"}, "config file"),
        ({"GRADER_CONFIG": "/dev/zero"}, "not a regular file"),
    ],
)
def test_bad_settings_are_rejected_with_a_reason(environ, message):
    with pytest.raises(InputRejected, match=message):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"x = " + b"[" * 50000 + b"]" * 50000, "nested too deeply"), (b"x = '\xff'", "utf-8")],
    ids=["deeply-nested", "not-utf-8"],
)
def test_unreadable_config_file_is_rejected(tmp_path: Path, content: bytes, message: str):
    config = tmp_path / "grader.toml"
    config.write_bytes(content)
    with pytest.raises(InputRejected, match=message):
        load_settings(environ={"GRADER_CONFIG": str(config)})


def test_unknown_setting_in_file_is_rejected(tmp_path: Path):
    config = tmp_path / "grader.toml"
    config.write_text("memroy_mb = 1\n")
    with pytest.raises(InputRejected, match="unknown setting 'memroy_mb'"):
        load_settings(environ={"GRADER_CONFIG": str(config)})


def test_described_settings_show_the_value_in_effect_and_its_source(tmp_path: Path):
    config = tmp_path / "grader.toml"
    config.write_text("memory_mb = 300\ncpus = 0.5\n")
    rows = {
        name: (value, source)
        for name, value, source, _ in describe_settings(
            environ={
                "GRADER_CONFIG": str(config),
                "GRADER_MEMORY_MB": "400",
                "GRADER_SECRET_KEY": "s3cret-value",
            }
        )
    }
    assert rows["GRADER_MEMORY_MB"] == ("400", "environment GRADER_MEMORY_MB")
    assert rows["GRADER_CPUS"] == ("0.5", f"config file {config}")
    assert rows["GRADER_PIDS"] == ("128", "default")
    assert rows["GRADER_SECRET_KEY"] == ("(set)", "environment GRADER_SECRET_KEY")
    assert rows["GRADER_ADMIN_PASSWORD"] == ("(not set)", "default")
