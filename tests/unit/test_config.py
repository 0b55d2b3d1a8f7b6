"""Settings come from defaults, then file, then environment, then overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import Settings, load_settings
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
