"""Flask interview grader: candidates' Flask projects graded in a Docker sandbox.

Kept import-free on purpose: this file is copied into the sandbox image next to the
hidden-test plugin, where none of the grader's own dependencies are installed.
"""

__version__ = "0.1.0"
