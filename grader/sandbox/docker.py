"""Run one job in a locked-down Docker container; never scores, only runs and reads back.

Every container is labelled, bounded in memory, CPU, processes, time and bytes read back, has
no network and a read-only root, and is removed on every exit path (KeyboardInterrupt too).
"""

from __future__ import annotations

import io
import os
import secrets
import signal
import socket
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, NamedTuple

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from grader.errors import SandboxFailure, SandboxUnavailable
from grader.sandbox import RunLimits, SandboxJob, SandboxRun, many_wall_s
from grader.sandbox.payload import build_payload, output_names, read_slot_outputs
from grader.sandbox.spares import MAX_IDLE_S, Spares
from grader.sandbox.supervisor import CONTAINER_LAYOUT

LABEL = "flask-grader"
LABEL_OWNER = "flask-grader.owner"
LABEL_EXPIRES = "flask-grader.expires"
SUPERVISOR_COMMAND = ["/opt/venv/bin/python", "-I", "/opt/grader/supervisor.py"]
CAPABILITIES = ["SETUID", "SETGID", "CHOWN", "KILL"]
HOST_MARGIN_S = 10.0
PROCESS_MARGIN = 32  # the supervisor's and the suites' own processes and threads
PROCESS_MARGIN_PER_SLOT = 4


UID_BASES = (1_000_000, 2_000_000_000)  # far above any host's own users
UID_SPAN = 2_000  # a container's users: SLOTS_MAX slots of SLOT_UID_STRIDE


def _uid_base(jobs: Sequence[SandboxJob]) -> int | None:
    """Users of its own for a container of several slots (see the supervisor's
    SLOT_UID_STRIDE): random, so two such containers on one host share none."""
    if len(jobs) == 1:
        return None
    low, high = UID_BASES
    return low + secrets.randbelow((high - low) // UID_SPAN) * UID_SPAN


def _slot_tests_path(index: int) -> str:
    return str(CONTAINER_LAYOUT.slot(index).tests_dir)


def container_limits(jobs: Sequence[SandboxJob], concurrency: int, cpus: float) -> RunLimits:
    """The bounds of a container holding ``jobs``: one job's own limits when alone; for
    several, room for ``concurrency`` of the largest at once (each slot's app is held to its
    own process limit by the kernel, per user; memory goes to the biggest candidate process
    first, see the supervisor's CANDIDATE_LIMITS), CPUs capped at what the engine has."""
    if len(jobs) == 1:
        return jobs[0].limits
    largest = max(jobs, key=lambda job: job.limits.memory_mb).limits
    return replace(
        largest,
        deadline_s=max(job.limits.deadline_s for job in jobs),
        memory_mb=largest.memory_mb * concurrency,
        cpus=min(max(job.limits.cpus for job in jobs) * concurrency, cpus),
        pids=max(job.limits.pids for job in jobs) * concurrency
        + PROCESS_MARGIN
        + PROCESS_MARGIN_PER_SLOT * len(jobs),
        output_cap_bytes=max(job.limits.output_cap_bytes for job in jobs),
    )


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
        self._engine_cpus: float | None = None
        self._spares = (
            Spares(self._make_spare, self._discard, self._running, size=spares) if spares else None
        )

    def run(self, job: SandboxJob) -> SandboxRun:
        """Run ``job`` in a fresh container (see ``run_many``)."""
        return self.run_many([job], 1)[0]

    def run_many(self, jobs: Sequence[SandboxJob], concurrency: int) -> list[SandboxRun]:
        """Run one candidate's ``jobs`` in one fresh container; always remove it before
        returning or raising.

        The container is sized for ``concurrency`` slots at once (memory, processes, CPUs up
        to the engine's); each slot has its own scratch mounts, users and deadline inside it.
        A Ctrl-C that landed while the engine was creating the container would leave a real
        container and no handle to it, so ``create`` finishes before the interrupt is raised,
        and removal goes by the name chosen before creation.
        """
        limits = container_limits(jobs, concurrency, self._cpus_available())
        runs = [SandboxRun(info=self._info(job, len(jobs), concurrency)) for job in jobs]
        started = time.monotonic()
        spare = self._spares.take(limits) if self._spares and len(jobs) == 1 else None
        name, container = spare or (_new_name(), None)
        wall_s = many_wall_s(jobs, concurrency)
        timings: dict[str, float] = {}
        try:
            if container is None:
                with _interrupt_deferred():
                    container = self._create(
                        limits, name, [j.limits for j in jobs], wall_s, uid_base=_uid_base(jobs)
                    )
                container.start()  # the supervisor starts its children while the job travels
            payload = build_payload(jobs, tests_path=_slot_tests_path, concurrency=concurrency)
            container.put_archive("/in", payload)
            timings["start_s"] = time.monotonic() - started
            exit_code, timed_out = self._wait(container, wall_s + HOST_MARGIN_S)
            timings["run_s"] = time.monotonic() - started - timings["start_s"]
            files = self._read_out(container, limits.output_cap_bytes, len(jobs))
            read_slot_outputs(files, jobs, runs)
            reported = all(run.supervisor is not None for run in runs)
            oom_killed = not reported and not timed_out and self._read_oom_killed(container)
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            raise SandboxFailure(f"the Docker engine failed during the run: {exc}") from exc
        finally:
            force_remove(self.client.api, name)
        if self._spares and len(jobs) == 1:
            self._spares.replenish(limits)
        for run in runs:
            run.info["warm"] = spare is not None
            run.exit_code = exit_code
            run.timed_out = timed_out and run.supervisor is None
            run.oom_killed = oom_killed and run.supervisor is None
            run.timings.update(timings, sandbox_s=time.monotonic() - started)
        return runs

    def _cpus_available(self) -> float:
        """The engine's CPUs: a container may not ask for more (read once, on first need)."""
        if self._engine_cpus is None:
            try:
                self._engine_cpus = float(self.client.info().get("NCPU") or 1)
            except (docker.errors.APIError, requests.exceptions.RequestException):
                self._engine_cpus = float(os.cpu_count() or 1)
        return self._engine_cpus

    def close(self) -> None:
        """Remove the spares; the sandbox starts every later run cold."""
        if self._spares:
            self._spares.close()

    def _make_spare(self, limits: RunLimits) -> _Spare:
        name = _new_name()
        try:
            container = self._create(limits, name, [limits], limits.wall_s(True), MAX_IDLE_S)
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

    def _info(self, job: SandboxJob, slots: int, concurrency: int) -> dict[str, Any]:
        limits = job.limits
        return {
            "kind": "docker",
            "image": self.image,
            "image_id": self.image_id,
            "shared_with": slots - 1,  # the candidate's other challenges in this container
            "concurrency": concurrency,
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

    def _create(
        self,
        limits: RunLimits,
        name: str,
        slots: Sequence[RunLimits],
        wall_s: float,
        idle_s: float = 0.0,
        uid_base: int | None = None,
    ) -> Container:
        """Create the container through the low-level API: the SDK's ``containers.create``
        would inspect it straight after, one more round trip to the engine per grading.

        ``limits`` bound the container; each of ``slots`` gets its own scratch mounts.
        """
        expires = int(time.time() + idle_s + wall_s + 2 * HOST_MARGIN_S)
        api = self.client.api
        tmpfs = {}
        for index, slot in enumerate(slots):  # slot i's inside slot 0's: mounted after it
            layout = CONTAINER_LAYOUT.slot(index)
            tmpfs[str(layout.candidate_root)] = f"size={slot.tmpfs_mb}m,mode=0755,nosuid,nodev"
            tmpfs[str(layout.grader_root)] = "size=32m,mode=0755,nosuid,nodev"
        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs=tmpfs,
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
            SUPERVISOR_COMMAND + ([] if uid_base is None else ["--uid-base", str(uid_base)]),
            name=name,
            labels={LABEL: "run", LABEL_OWNER: owner_label(), LABEL_EXPIRES: str(expires)},
            user="0:0",
            working_dir="/",
            environment={},
            host_config=host_config,
        )
        container: Container = self.client.containers.prepare_model({"Id": created["Id"]})
        return container

    @staticmethod
    def _wait(container: Container, deadline_s: float) -> tuple[int | None, bool]:
        """The container's exit code, and whether it had to be killed at ``deadline_s``."""
        try:
            status = container.wait(timeout=deadline_s)
            return status.get("StatusCode"), False
        except requests.exceptions.ConnectionError as exc:
            if "timed out" not in str(exc).lower():
                raise
        except requests.exceptions.ReadTimeout:
            pass
        container.kill()
        container.wait(timeout=30)
        return None, True

    @staticmethod
    def _read_oom_killed(container: Container) -> bool:
        """Whether the kernel's OOM killer struck; only a run whose supervisor left no report
        is judged by it (see grading._status), so only such a run pays the inspect."""
        container.reload()
        return bool(container.attrs.get("State", {}).get("OOMKilled"))

    def _read_out(self, container: Container, cap: int, slots: int) -> dict[str, bytes]:
        """Read /out with a byte cap per slot; keep only the expected regular files."""
        cap *= slots
        expected = output_names(slots)
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
                    if name in expected and member.isreg():
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
