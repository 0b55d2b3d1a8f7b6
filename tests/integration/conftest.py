"""Keeps real-engine tests independent: a container one test leaks fails that test only."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest
import requests.exceptions

from grader.sandbox.docker import (
    LABEL_OWNER,
    force_remove,
    labelled_containers,
    owner_label,
    reap_orphans,
)


@pytest.fixture(autouse=True)
def _no_container_outlives_its_test() -> Iterator[None]:
    """After each test, remove what it left; the test's own assertions ran before this.

    Only this process's containers and orphans (a CLI the test ran and killed) go: a grader
    running beside the tests, a web app say, keeps its own.
    """
    yield
    try:
        client = docker.from_env(timeout=30)
    except docker.errors.DockerException:
        return  # no engine: the test itself reported that
    try:
        for container in labelled_containers(client):
            if (container.get("Labels") or {}).get(LABEL_OWNER) == owner_label():
                force_remove(client.api, container["Id"])
        reap_orphans(client)
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        pass  # the engine-fault test may leave the engine restarting; its own checks cover it
    finally:
        client.close()
