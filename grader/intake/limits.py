"""How much intake accepts (IntakeLimits), and the messages that name a limit."""

from __future__ import annotations

from dataclasses import dataclass

from grader.errors import SubmissionRejected
from grader.intake.names import show

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class IntakeLimits:
    """Bounds on what intake accepts; sizes are uncompressed bytes."""

    max_files: int = 200
    max_file_bytes: int = 2 * MiB
    max_total_bytes: int = 10 * MiB
    max_depth: int = 12  # components in a file's path: "app.py" is 1
    max_path_len: int = 255  # characters in a file's relative posix path
    # Entries examined, skipped junk included: bounds the work an archive can ask for.
    max_entries: int = 10_000
    # Bytes of the input archive, and bytes decompressed from a tar stream (junk included).
    max_archive_bytes: int = 64 * MiB


def format_size(n: int) -> str:
    """Return a byte count as a message shows it: MiB, KiB or bytes."""
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    if n % KiB == 0:
        return f"{n // KiB} KiB"
    return f"{n} bytes"


def too_deep(rel: str, limits: IntakeLimits) -> SubmissionRejected:
    """Return the rejection of an entry nested deeper than the limits allow."""
    return SubmissionRejected(
        f"entry {show(rel)} is nested deeper than {limits.max_depth} levels: flatten the project"
    )
