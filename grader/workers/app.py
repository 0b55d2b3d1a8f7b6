"""The Celery application every worker and client shares, configured from grader's Settings.

The guarantees come from Celery's own settings: a task is acknowledged only once it finished
(``acks_late``), one task is reserved per free slot (``prefetch_multiplier=1``), and Redis
delivers again a task whose worker died once the visibility timeout (longer than a run's
deadline) has passed. Exactly one result per run is the database's claim (grader.web.jobs).
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from grader.config import Settings
from grader.errors import InputRejected

QUEUE = "grader"  # the one queue web runs, validations and batch items go to
RESULT_TTL_S = 7 * 24 * 3600  # how long a batch item's result waits in Redis for its batch

celery_app = Celery("grader", set_as_current=False)


class BrokerMissing(InputRejected):
    """Raise when a command needs a broker and none is set."""


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery's configuration for ``settings`` (broker and result store: one Redis)."""
    url = settings.broker_url
    transport = {"visibility_timeout": settings.broker_visibility_timeout_s}
    return {
        "broker_url": url,
        # Batch items return their result document through Redis; web runs write theirs to
        # the database and store nothing here.
        "result_backend": url,
        "result_expires": RESULT_TTL_S,
        "result_backend_always_retry": True,
        "result_backend_max_retries": 60,
        "result_backend_transport_options": transport,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a worker outlives a broker restart
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A task that raised is acknowledged: our tasks record every failure of a grading
        # themselves, and retry (a new message) what may pass later.
        "task_acks_on_failure_or_timeout": True,
        "task_ignore_result": True,
        "task_track_started": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        # Events for Flower (`celery --broker URL flower`) and the dashboard's inspect.
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
    }


def configure(settings: Settings) -> Celery:
    """Point the shared Celery app at ``settings.broker_url``; BrokerMissing if none is set."""
    if not settings.broker_url:
        raise BrokerMissing("no broker: pass --broker redis://HOST:6379/0 or set GRADER_BROKER_URL")
    if not settings.broker_url.startswith(("redis://", "rediss://")):
        scheme = settings.broker_url.split(":")[0]
        raise BrokerMissing(f"the broker must be Redis (redis://HOST:PORT/N), not {scheme}")
    celery_app.conf.update(celery_config(settings))
    import grader.workers.tasks  # noqa: F401  (registers the tasks on celery_app)

    return celery_app
