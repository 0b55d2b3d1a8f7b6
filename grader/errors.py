"""The grader's one error tree: every error a user can see, with its exit code.

Host-side only: it is not copied into the sandbox image, so nothing that ships there
(``grader.testkit``, the supervisor) may import it.
"""

from __future__ import annotations

from typing import IO, Any

import click


class GraderError(click.ClickException):
    """Raise when the grader cannot go on; the message is one line that says how to fix it.

    Caught once at the CLI edge (click shows it as one line, exit with `exit_code`) and once in
    the web app (a 4xx/5xx page or JSON). Chain the cause with `raise ... from e`.
    """

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``error: <message>`` as one line on stderr (or ``file``)."""
        click.echo(f"error: {self.format_message()}", file=file, err=True)


class InputRejected(GraderError):
    """Raise when user input is wrong: an archive, a path, a form field, a setting."""

    exit_code = 2


class SubmissionRejected(InputRejected):
    """Raise when intake refuses a submission: unsafe, corrupt, too large, or empty."""


class ChallengeError(InputRejected):
    """Raise when a challenge is unknown or its folder or manifest is malformed."""


class SandboxUnavailable(GraderError):
    """Raise before a run when the sandbox cannot start: Docker unreachable, image missing."""

    exit_code = 3


class SandboxFailure(GraderError):
    """Raise when the sandbox breaks during a run (not when the candidate's code fails)."""

    exit_code = 1


class OutputError(GraderError):
    """Raise when a result cannot be saved (disk full, no permission); the input is untouched."""

    exit_code = 1
