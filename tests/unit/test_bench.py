"""`grader bench --assessment` and `--throughput`: the options, and a tiny bare run of each."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.bench import AssessmentResult, CpuSample
from grader.cli import cli


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--assessment", "--throughput", "3"], "choose one of"),
        (["--assessment", "--similarity", "5"], "choose one of"),
        (["--throughput", "4", "--workers", "1,2"], "choose one of"),
        (["--throughput", "0"], "--throughput"),
        (["--bare"], "--bare goes with"),
    ],
)
def test_bench_refuses_options_that_do_not_go_together(args: list[str], fragment: str):
    done = CliRunner().invoke(cli, ["bench", *args])
    assert done.exit_code == 2, done.output
    assert fragment in done.output


def test_throughput_bare_prints_rate_and_cpu_per_grading():
    done = CliRunner().invoke(cli, ["bench", "--throughput", "1", "--runs", "1", "--bare"])
    assert done.exit_code == 0, done.output
    assert "1 copies of the routing reference through `grader batch` (bare" in done.output
    assert "gradings per minute" in done.output
    assert "host CPU-s per grading" in done.output
    assert "grader process CPU-s" in done.output


def test_assessment_summary_applies_the_issues_target_to_bare_suite_medians():
    result = AssessmentResult(
        challenges=3,
        cores=2,
        mode="sandboxed",
        batch_s=[9.0, 5.0, 6.0],
        suite_s={"a": [2.0, 2.0, 9.0], "b": [3.0], "c": [1.0]},
        grading_s={"a": [2.5], "b": [3.5], "c": [1.5]},
    )
    # bare suite medians 2 + 3 + 1 = 6; max(6 / 2, 3) = 3; 1.3 x 3 + 1 = 4.9; median wall 6
    assert result.target_s == pytest.approx(4.9)
    summary = result.summary()
    assert "= 4.90 s: NOT met" in summary
    assert "whole bare gradings, one at a time: 7.50 s" in summary
    assert "max(sum/cores, longest) 2.00x" in summary


def test_cpu_samples_subtract_field_by_field():
    later, earlier = CpuSample(10.0, 4.0, None), CpuSample(7.5, 1.0, 3.0)
    assert later - earlier == CpuSample(2.5, 3.0, None)
    assert CpuSample.now().host_s > 0
