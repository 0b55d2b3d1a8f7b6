"""A statement's numbered requirements are read as written, and measured per requirement."""

from __future__ import annotations

import pytest

from grader.requirements import (
    RequirementError,
    numbering_gaps,
    parse_requirements,
    requirement_percentages,
)

STATEMENT = """\
# Trackly

Some prose that is not a requirement, mentioning **R7** in passing.

- **R1** `GET /projects/` answers `200`,
  oldest first.
- **R2.** A key is 2 to 10 characters.
* **R3**: names are unique.

**R4** A paragraph requirement
that continues here.

1. **R5** numbered lists work too.

```python
# **R6** inside code is an example, not a requirement
```
"""


def test_requirements_are_read_in_the_statements_order_and_words():
    assert parse_requirements(STATEMENT) == {
        "R1": "`GET /projects/` answers `200`, oldest first.",
        "R2": "A key is 2 to 10 characters.",
        "R3": "names are unique.",
        "R4": "A paragraph requirement that continues here.",
        "R5": "numbered lists work too.",
    }


def test_a_list_item_ends_at_the_next_item_or_blank_line():
    text = "- **R1** first\n- plain item\n- **R2** second\n\nafter"
    assert parse_requirements(text) == {"R1": "first", "R2": "second"}


def test_a_duplicate_id_is_an_error():
    with pytest.raises(RequirementError, match="R2 is numbered twice"):
        parse_requirements("- **R2** a\n- **R2** b\n")


@pytest.mark.parametrize(
    ("ids", "gaps"), [(["R1", "R2"], []), (["R1", "R3"], ["R2"]), (["R2"], ["R1"]), ([], [])]
)
def test_numbering_gaps_are_named(ids, gaps):
    assert numbering_gaps(ids) == gaps


def test_percentages_weigh_each_requirements_own_tests():
    rows = [(["R1"], 3.0, True), (["R1", "R2"], 1.0, False), (["R2"], 1.0, True)]
    assert requirement_percentages(rows, ["R1", "R2", "R3"]) == {
        "R1": 75.0,
        "R2": 50.0,
        "R3": 100.0,
    }
