"""Numbered requirements: the promises a statement makes (R1, R2...) and the tests checking them.

A statement numbers each promise with a bold id at the start of a list item or paragraph
(``- **R3** `<id>` is an integer in digits...``). Tests name the ids they check with
``@pytest.mark.requirement("R3")``; validation proves every promise is checked and the report
groups failures by promise, in the statement's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REQUIREMENT_ID = re.compile(r"^R[1-9]\d{0,3}$")
# "- **R3** text", "1. **R3.** text", "**R3**: text" (the bold id opens the item or paragraph)
_OPENING = re.compile(r"^(\s*)(?:[-*+]\s+|\d+[.)]\s+)?\*\*(R[1-9]\d{0,3})\.?\*\*[.:]?\s*(.*)$")
_ITEM_START = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#)")
_FENCE = re.compile(r"^\s*(```|~~~)")
TEXT_CAP = 600


class RequirementError(ValueError):
    """The statement's numbering is broken (a duplicate id)."""


def parse_requirements(statement: str) -> dict[str, str]:
    """Return each numbered requirement's id and text, in the statement's order.

    The text runs from the bold id to the end of its list item or paragraph, Markdown
    emphasis kept as written. Ids inside fenced code blocks are not requirements.
    """
    found: dict[str, str] = {}
    current: list[str] | None = None
    current_id = ""
    in_fence = False

    def close() -> None:
        if current is not None:
            found[current_id] = _one_line(" ".join(current))

    for line in statement.splitlines():
        if _FENCE.match(line):
            close()
            current, in_fence = None, not in_fence
            continue
        if in_fence:
            continue
        opening = _OPENING.match(line)
        if opening:
            close()
            current_id = opening.group(2)
            if current_id in found:
                raise RequirementError(f"requirement {current_id} is numbered twice")
            current = [opening.group(3)]
        elif current is not None and line.strip() and not _ITEM_START.match(line):
            current.append(line.strip())
        else:
            close()
            current = None
    close()
    return found


def numbering_gaps(ids: Iterable[str]) -> list[str]:
    """Return the ids missing from R1..Rn (n the highest id), so a skipped number shows."""
    numbers = {int(i[1:]) for i in ids}
    return [f"R{n}" for n in range(1, max(numbers, default=0) + 1) if n not in numbers]


def requirement_percentages(
    rows: Iterable[tuple[Iterable[str], float, bool]], known: Iterable[str]
) -> dict[str, float]:
    """Per requirement, the percentage of the weight of its tests that passed.

    ``rows`` are (requirement ids, weight, passed) per test. A requirement no test names
    counts as 100: nothing measured it failing (validation refuses such a suite anyway).
    """
    earned: dict[str, float] = {r: 0.0 for r in known}
    possible: dict[str, float] = {r: 0.0 for r in known}
    for ids, weight, passed in rows:
        for rid in ids:
            possible[rid] = possible.get(rid, 0.0) + weight
            earned[rid] = earned.get(rid, 0.0) + (weight if passed else 0.0)
    return {
        rid: round(100 * earned[rid] / possible[rid], 1) if possible[rid] else 100.0
        for rid in possible
    }


def sort_key(rid: str) -> tuple[int, str]:
    """Order R2 before R10."""
    return (int(rid[1:]), rid) if REQUIREMENT_ID.match(rid) else (10**6, rid)


def ordered(ids: Iterable[str]) -> list[str]:
    """Return the ids in numeric order, without repeats."""
    return sorted(set(ids), key=sort_key)


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= TEXT_CAP else text[: TEXT_CAP - 4].rstrip() + " ..."
