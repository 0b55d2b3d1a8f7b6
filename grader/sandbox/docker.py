"""Run one job in a locked-down Docker container; never scores, only runs and reads back.

Every container is labelled, bounded in memory, CPU, processes, time and bytes read back, has
no network and a read-only root, and is removed on every exit path (KeyboardInterrupt too).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from grader.errors import SandboxFailure, SandboxUnavailable
from grader.sandbox import RunLimits, SandboxJob, SandboxRun
from grader.sandbox.payload import OUTPUT_FILES, build_payload, read_outputs
from grader.sandbox.spares import MAX_IDLE_S, Spares
from grader.sandbox.supervisor import CONTAINER_LAYOUT

LABEL = "flask-grader"
LABEL_OWNER = "flask-grader.owner"
LABEL_EXPIRES = "flask-grader.expires"
SUPERVISOR_COMMAND = ["/opt/venv/bin/python", "-I", "/opt/grader/supervisor.py"]
CAPABILITIES = ["SETUID", "SETGID", "CHOWN", "KILL"]
HOST_MARGIN_S = 10.0
TESTS_PATH = str(CONTAINER_LAYOUT.tests_dir)


def connect() -> docker.DockerClient:
    """Return a client for the local engine, or raise SandboxUnavailable saying what to do."""
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxUnavailable(
            "cannot reach the Docker engine; start it (as root on Debian: `make docker`) "
            f"or set DOCKER_HOST ({type(exc).__name__})"
        ) from exc
    return client


class _Spare(NamedTuple):
    """A container started ahead of its job, and the name it is removed by."""

    name: str
    container: Container


def _new_name() -> str:
    return f"flask-grader-{uuid.uuid4().hex[:12]}"


def owner_label() -> str:
    """The owner label of containers this process creates: host and pid, for the reaper."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DockerSandbox:
    """Runs jobs in containers created from one sandbox image."""

    def __init__(self, client: docker.DockerClient, image: str, *, spares: int = 0) -> None:
        """``spares``: how many containers to keep started ahead of jobs (0: start each cold)."""
        self.client = client
        self.image = image
        try:
            self.image_id = client.images.get(image).id
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(
                f"sandbox image {image} is missing; build it with `grader sandbox build`"
            ) from exc
        except docker.errors.APIError as exc:
            raise SandboxUnavailable(f"the Docker engine failed to look up {image}: {exc}") from exc
        self._spares = (
            Spares(self._make_spare, self._discard, self._running, size=spares) if spares else None
        )

    def run(self, job: SandboxJob) -> SandboxRun:
        """Run ``job`` in a fresh container; always remove it before returning or raising.

        A Ctrl-C that landed while the engine was creating the container would leave a real
        container and no handle to it, so ``create`` finishes before the interrupt is raised,
        and removal goes by the name chosen before creation.
        """
        limits = job.limits
        run = SandboxRun(info=self._info(job))
        started = time.monotonic()
        spare = self._spares.take(limits) if self._spares else None
        name, container = spare or (_new_name(), None)
        run.info["warm"] = spare is not None
        try:
            if container is None:
                with _interrupt_deferred():
                    container = self._create(limits, name)
                container.start()  # the supervisor starts its children while the job travels
            container.put_archive("/in", build_payload(job, tests_path=TESTS_PATH))
            run.timings["start_s"] = time.monotonic() - started
            self._wait(container, job.wall_s + HOST_MARGIN_S, run)
            run.timings["run_s"] = time.monotonic() - started - run.timings["start_s"]
            read_outputs(
                self._read_out(container, limits.output_cap_bytes), run, limits.log_cap_bytes
            )
            if run.supervisor is None and not run.timed_out:
                self._read_oom_killed(container, run)
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            raise SandboxFailure(f"the Docker engine failed during the run: {exc}") from exc
        finally:
            force_remove(self.client.api, name)
        if self._spares:
            self._spares.replenish(limits)
        run.timings["sandbox_s"] = time.monotonic() - started
        return run

    def close(self) -> None:
        """Remove the spares; the sandbox starts every later run cold."""
        if self._spares:
            self._spares.close()

    def _make_spare(self, limits: RunLimits) -> _Spare:
        name = _new_name()
        try:
            container = self._create(limits, name, idle_s=MAX_IDLE_S)
            container.start()
        except BaseException:
            force_remove(self.client.api, name)
            raise
        return _Spare(name, container)

    def _discard(self, spare: _Spare) -> None:
        force_remove(self.client.api, spare.name)

    @staticmethod
    def _running(spare: _Spare) -> bool:
        try:
            spare.container.reload()
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return False
        return spare.container.status == "running"

    def reap(self) -> int:
        """Remove orphaned grading containers (see ``reap_orphans``)."""
        try:
            return reap_orphans(self.client)
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return 0  # the engine is away; the next round tries again

    def _info(self, job: SandboxJob) -> dict[str, Any]:
        limits = job.limits
        return {
            "kind": "docker",
            "image": self.image,
            "image_id": self.image_id,
            "limits": {
                "deadline_s": job.wall_s,
                "test_timeout_s": limits.test_timeout_s,
                "memory_mb": limits.memory_mb,
                "cpus": limits.cpus,
                "pids": limits.pids,
                "tmpfs_mb": limits.tmpfs_mb,
                "network": "none",
            },
        }

    def _create(self, limits: RunLimits, name: str, idle_s: float = 0.0) -> Container:
        """Create the container through the low-level API: the SDK's ``containers.create``
        would inspect it straight after, one more round trip to the engine per grading."""
        expires = int(time.time() + idle_s + limits.wall_s(True) + 2 * HOST_MARGIN_S)
        api = self.client.api
        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs={
                "/sandbox/candidate": f"size={limits.tmpfs_mb}m,mode=0755,nosuid,nodev",
                "/sandbox/grader": "size=32m,mode=0755,nosuid,nodev",
            },
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            nano_cpus=int(limits.cpus * 1e9),
            pids_limit=limits.pids,
            cap_drop=["ALL"],
            cap_add=CAPABILITIES,
            security_opt=["no-new-privileges"],
            ipc_mode="none",
            init=True,
            ulimits=[docker.types.Ulimit(name="nofile", soft=1024, hard=1024)],
            log_config=docker.types.LogConfig(type="none"),
        )
        created = api.create_container(
            self.image,
            SUPERVISOR_COMMAND,
            name=name,
            labels={LABEL: "run", LABEL_OWNER: owner_label(), LABEL_EXPIRES: str(expires)},
            user="0:0",
            working_dir="/",
            environment={},
            host_config=host_config,
        )
        container: Container = self.client.containers.prepare_model({"Id": created["Id"]})
        return container

    def _wait(self, container: Container, deadline_s: float, run: SandboxRun) -> None:
        try:
            status = container.wait(timeout=deadline_s)
            run.exit_code = status.get("StatusCode")
        except requests.exceptions.ConnectionError as exc:
            if "timed out" not in str(exc).lower():
                raise
            run.timed_out = True
        except requests.exceptions.ReadTimeout:
            run.timed_out = True
        if run.timed_out:
            container.kill()
            container.wait(timeout=30)

    @staticmethod
    def _read_oom_killed(container: Container, run: SandboxRun) -> None:
        """Record whether the kernel's OOM killer struck; only a run whose supervisor left no
        report is judged by it (see grading._status), so only such a run pays the inspect."""
        container.reload()
        run.oom_killed = bool(container.attrs.get("State", {}).get("OOMKilled"))

    def _read_out(self, container: Container, cap: int) -> dict[str, bytes]:
        """Read /out with a byte cap; keep only the expected regular files."""
        try:
            stream, _ = container.get_archive("/out")
        except docker.errors.NotFound:
            return {}
        buffer = bytearray()
        for chunk in stream:
            buffer += chunk
            if len(buffer) > cap:
                break
        files: dict[str, bytes] = {}
        try:
            with tarfile.open(fileobj=io.BytesIO(bytes(buffer[:cap])), mode="r|") as tar:
                for member in tar:
                    name = member.name.removeprefix("out/")
                    if name in OUTPUT_FILES and member.isreg():
                        handle = tar.extractfile(member)
                        files[name] = handle.read(cap) if handle else b""
        except (tarfile.TarError, EOFError, OSError):
            pass  # a truncated archive keeps what was read in full before the cap
        return files


@contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Hold SIGINT until the block ends, then deliver it; bounded by the client's timeout.

    Only the main thread receives signals, so worker threads need (and can set) nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
        if received:
            signal.raise_signal(signal.SIGINT)


def force_remove(api: docker.APIClient, container: str) -> None:
    """Force-remove a container by id or name; never raises (the reaper covers failures)."""
    try:
        api.remove_container(container, force=True, v=True)
    except docker.errors.NotFound:
        pass  # already gone: another grader's reaper, or its own clean-up, got there first
    except (docker.errors.APIError, requests.exceptions.RequestException):
        pass  # the reaper removes it: it carries our label and an expiry


def labelled_containers(client: docker.DockerClient) -> list[dict[str, Any]]:
    """Every grading container, running or not, in one call (no per-container look-up that
    could race with a removal)."""
    containers: list[dict[str, Any]] = client.api.containers(all=True, filters={"label": LABEL})
    return containers


def reap_orphans(client: docker.DockerClient, *, now: float | None = None) -> int:
    """Remove labelled containers past their expiry, or whose owner process on this host died."""
    now = time.time() if now is None else now
    host = socket.gethostname()
    removed = 0
    for container in labelled_containers(client):
        labels = container.get("Labels") or {}
        owner_host, _, owner_pid = labels.get(LABEL_OWNER, ":").partition(":")
        expired = float(labels.get(LABEL_EXPIRES, "0") or 0) < now
        orphaned = owner_host == host and owner_pid.isdigit() and not _alive(int(owner_pid))
        if expired or orphaned:
            force_remove(client.api, container["Id"])
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
