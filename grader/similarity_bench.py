"""Benchmark of similarity: a cohort of N varied copies of a challenge's reference, timed.

Each submission is the reference with its own identifiers renamed, its top-level definitions
shuffled, and unrelated code added, so that every pair is flagged: the slowest cohort there
is (all pairs compared, every row's flag and the CSV written). Runs without Docker.
"""

from __future__ import annotations

import ast
import random
import re
import time
from dataclasses import dataclass
from functools import cache

from grader.challenges import Challenge
from grader.scores_csv import ScoreRow, scores_csv
from grader.similarity import (
    Entry,
    challenge_boilerplate,
    compare_cohort,
    is_code_file,
)

SEED = 14
PAGES = 100  # side-by-side views made, as a batch writes for its most alike pairs
_TOP_LEVEL = re.compile(r"^(?=def |class |@|async def )", re.M)
_WORDS = ("item", "entry", "record", "value", "thing", "node", "row", "data", "obj", "elem")


@dataclass(frozen=True)
class SimilarityBench:
    """Seconds spent on each step for a cohort of ``size`` submissions to ``challenge``."""

    challenge: str
    size: int
    flagged: int
    seconds: dict[str, float]

    def summary(self) -> str:
        """What ``grader bench --similarity N`` prints."""
        total = sum(self.seconds.values())
        lines = [
            f"similarity of {self.size} varied copies of the {self.challenge} reference "
            f"({self.flagged} pairs flagged): {total:.2f} s"
        ]
        lines += [f"  {step:<26} {s:.2f} s" for step, s in self.seconds.items()]
        return "\n".join(lines)


def reference_files(challenge: Challenge) -> dict[str, str]:
    """The reference solution's code files, by path."""
    root = challenge.solution_dir
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and is_code_file(p.name)
    }


@cache
def _defined_names(text: str) -> frozenset[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith(
            "__"
        ):
            names.add(node.name)
        elif isinstance(node, ast.arg) and node.arg not in ("self", "cls"):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


def _renamed(text: str, rng: random.Random) -> str:
    names = sorted(_defined_names(text), key=len, reverse=True)
    if not names:
        return text
    new = {name: f"{rng.choice(_WORDS)}_{rng.randrange(10_000)}" for name in names}
    pattern = rf"(?<![.\w])({'|'.join(map(re.escape, names))})\b"
    return re.sub(pattern, lambda m: new[m.group(1)], text)


def _shuffled(text: str, rng: random.Random) -> str:
    head, *pieces = _TOP_LEVEL.split(text)
    blocks: list[str] = []
    for piece in pieces:  # a decorator stays with what it decorates
        if blocks and blocks[-1].startswith("@") and blocks[-1].rstrip().count("\n") == 0:
            blocks[-1] += piece
        else:
            blocks.append(piece)
    rng.shuffle(blocks)
    return head + "".join(block if block.endswith("\n") else block + "\n" for block in blocks)


def _unrelated(rng: random.Random) -> str:
    lines = [f"\n\ndef {rng.choice(_WORDS)}_helper_{rng.randrange(10_000)}(values, limit=3):"]
    lines.append("    total = 0")
    for _ in range(rng.randrange(3, 9)):
        shape = rng.randrange(4)
        if shape == 0:
            lines.append(
                f"    for v in values[:{rng.randrange(9)}]:\n"
                f"        total += v * {rng.random():.2f}"
            )
        elif shape == 1:
            lines.append(f"    if total > limit:\n        total -= {rng.randrange(99)}")
        elif shape == 2:
            lines.append(f"    values = [x for x in values if x % {rng.randrange(2, 9)}]")
        else:
            lines.append(f"    total = max(total, len(values), {rng.randrange(99)})")
    lines.append("    return total\n")
    return "\n".join(lines)


def varied_copy(files: dict[str, str], rng: random.Random) -> dict[str, str]:
    """A copy of a submission with names renamed, definitions reordered, unrelated code added."""
    copy = {}
    for path, text in files.items():
        if path.endswith(".py"):
            text = _shuffled(_renamed(text, rng), rng) + _unrelated(rng)
        copy[path] = text
    return copy


def run_similarity_bench(
    *, challenge: Challenge, size: int, threshold: float, workers: int = 1
) -> SimilarityBench:
    """Time the similarity of ``size`` varied copies of the reference, as a batch runs it."""
    rng = random.Random(SEED)
    reference = reference_files(challenge)
    cohort_files = [varied_copy(reference, rng) for _ in range(size)]
    seconds = {}
    started = time.perf_counter()
    exclude = challenge_boilerplate(challenge)
    entries = [
        Entry(f"c{n}", f"candidate {n}", f"{n:064x}", files) for n, files in enumerate(cohort_files)
    ]
    cohort = compare_cohort(entries, exclude=exclude, threshold=threshold, workers=workers)
    seconds["fingerprint and compare"] = time.perf_counter() - started

    started = time.perf_counter()
    for pair in cohort.pairs[:PAGES]:
        cohort.side_by_side(pair, exclude=exclude)
    seconds[f"side by side ({min(PAGES, len(cohort.pairs))} pairs)"] = time.perf_counter() - started

    started = time.perf_counter()
    rows = [
        ScoreRow(e.label, challenge.slug, "graded", 100.0, similarity=cohort.flag(e.key))
        for e in entries
    ]
    scores_csv(rows)
    seconds["flags and scores.csv"] = time.perf_counter() - started
    return SimilarityBench(challenge.slug, size, len(cohort.pairs), seconds)
