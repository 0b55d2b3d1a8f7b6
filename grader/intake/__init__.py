"""Turn an untrusted submission (folder, archive or single .py file) into a safe folder.

One module per job: ``load`` (the ways in), ``names`` (entry-name rules and the junk list),
``collect`` (bounded entries in memory), ``zip``, ``tar`` and ``folder`` (reading each kind),
``submission`` (normalising and hashing), ``write`` (writing the safe tree).
"""

from __future__ import annotations

from grader.intake.limits import IntakeLimits, KiB, MiB
from grader.intake.load import SUBMISSION_SUFFIXES, load_submission, submission_from_bytes
from grader.intake.names import JUNK, is_junk
from grader.intake.submission import Submission

__all__ = [
    "JUNK",
    "SUBMISSION_SUFFIXES",
    "IntakeLimits",
    "KiB",
    "MiB",
    "Submission",
    "is_junk",
    "load_submission",
    "submission_from_bytes",
]
