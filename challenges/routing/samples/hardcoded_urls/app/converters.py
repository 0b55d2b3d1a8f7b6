"""URL converters: the issue key of /browse/<issue_key:key>."""

from __future__ import annotations

from typing import NamedTuple

from werkzeug.routing import BaseConverter


class IssueKey(NamedTuple):
    project_key: str
    number: int

    def __str__(self) -> str:
        return f"{self.project_key}-{self.number}"


class IssueKeyConverter(BaseConverter):
    """Match "TRK-42" (a project key, a dash, an issue number) and give an IssueKey."""

    regex = r"[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> IssueKey:
        project_key, _, number = value.rpartition("-")
        return IssueKey(project_key, int(number))

    def to_url(self, value: IssueKey | tuple[str, int]) -> str:
        return super().to_url(str(IssueKey(*value)))
