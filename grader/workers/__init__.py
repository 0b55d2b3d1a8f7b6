"""Grading on many machines: Celery workers over a Redis broker (``grader worker``).

``app`` holds the Celery application and its settings, ``tasks`` the jobs, ``bundles`` how a
submission's bytes and a challenge version's files reach a worker (through the database, never a
shared folder), ``runtime`` what one worker process holds (its sandbox, the health of its Docker
engine), ``queue`` the web app's side, ``health`` the checks of ``grader worker --check``.
"""
