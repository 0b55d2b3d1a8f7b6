"""Build the sandbox image with no registry and no network inside the build.

The base is a Debian root filesystem made by ``mmdebstrap`` and ``docker import`` (or a local
``python:3.11-slim``); Python packages come from a wheelhouse the host fills with ``pip
download``. The image tag carries a hash of every input, so a changed input rebuilds and an
unchanged one does not.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

from grader.config import PROJECT_ROOT, Settings
from grader.errors import SandboxUnavailable
from grader.sandbox import SUPERVISOR_PATH
from grader.sandbox.supervisor import ZYGOTE_PATH

PYTHON_VERSION = "3.11"
SLIM_BASE = "python:3.11-slim-bookworm"
MMDEBSTRAP_COMMAND = [
    "mmdebstrap", "--variant=minbase", "--include=python3,python3-venv,passwd",
    "--quiet", "bookworm", "-",
]  # fmt: skip
TESTKIT_DIR = PROJECT_ROOT / "grader" / "testkit"
Progress = Callable[[str], None]


def image_inputs(settings: Settings) -> list[tuple[str, Path]]:
    """Every file the image is built from, with its place in the build context."""
    inputs = [
        ("Dockerfile", settings.sandboxes_dir / "Dockerfile"),
        ("requirements.txt", settings.sandboxes_dir / "requirements.txt"),
        ("supervisor.py", SUPERVISOR_PATH),
        ("zygote.py", ZYGOTE_PATH),
        ("lib/grader/__init__.py", PROJECT_ROOT / "grader" / "__init__.py"),
    ]
    inputs += [(f"lib/grader/testkit/{p.name}", p) for p in sorted(TESTKIT_DIR.glob("*.py"))]
    return inputs


def image_tag(settings: Settings) -> str:
    """Return ``repository:hash``, the hash covering every input and the base recipe."""
    digest = hashlib.sha256(settings.base_image.encode())
    for name, path in image_inputs(settings):
        data = path.read_bytes()
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return f"{settings.image_repository}:{digest.hexdigest()[:16]}"


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def engine_arch(client: docker.DockerClient) -> str:
    """Return the engine's architecture in manylinux spelling (x86_64, aarch64)."""
    arch: str = client.info().get("Architecture", "x86_64")
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


def ensure_base(client: docker.DockerClient, settings: Settings, progress: Progress) -> str:
    """Make sure the base image exists: local slim Python, or mmdebstrap, or a pull."""
    base = settings.base_image
    if image_exists(client, base):
        return base
    if image_exists(client, SLIM_BASE):
        client.images.get(SLIM_BASE).tag(base)
        return base
    if shutil.which("mmdebstrap"):
        progress(f"building the base image {base} with mmdebstrap (about a minute)")
        _import_mmdebstrap(base)
        return base
    progress(f"pulling {SLIM_BASE}")
    try:
        client.images.pull(SLIM_BASE).tag(base)
    except docker.errors.DockerException as exc:
        raise SandboxUnavailable(
            f"no base image: install mmdebstrap (Debian) or make {SLIM_BASE} available ({exc})"
        ) from exc
    return base


def _import_mmdebstrap(tag: str) -> None:
    debstrap = subprocess.Popen(MMDEBSTRAP_COMMAND, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    imported = subprocess.run(
        ["docker", "import", "-", tag], stdin=debstrap.stdout, capture_output=True
    )
    assert debstrap.stdout is not None  # piped above
    debstrap.stdout.close()
    _, errors = debstrap.communicate()
    if debstrap.returncode != 0 or imported.returncode != 0:
        detail = (errors or imported.stderr).decode(errors="replace").strip().splitlines()
        raise SandboxUnavailable(f"building the base image failed: {detail[-1] if detail else '?'}")


def fill_wheelhouse(settings: Settings, arch: str, progress: Progress) -> Path:
    """Download the locked wheels for the image's Python and arch (once per lock file).

    The lock carries every wheel's hash: pip checks each download against it here, and the
    image build checks each install again (``--require-hashes`` both times).
    """
    requirements = settings.sandboxes_dir / "requirements.txt"
    key = hashlib.sha256(requirements.read_bytes() + arch.encode()).hexdigest()[:16]
    wheelhouse = settings.cache_dir / "wheelhouse" / key
    if (wheelhouse / ".complete").exists():
        return wheelhouse
    progress(f"downloading wheels into {wheelhouse}")
    wheelhouse.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "--require-hashes",
        "--python-version", PYTHON_VERSION, "--implementation", "cp",
        "--platform", f"manylinux2014_{arch}", "--dest", str(wheelhouse), "-r", str(requirements),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["?"]
        raise SandboxUnavailable(f"pip download for the sandbox failed: {last[0]}")
    (wheelhouse / ".complete").touch()
    return wheelhouse


def build_image(
    client: docker.DockerClient,
    settings: Settings,
    *,
    progress: Progress = print,
    force: bool = False,
) -> str:
    """Build the sandbox image unless one with the same input hash exists; return its tag."""
    tag = image_tag(settings)
    if image_exists(client, tag) and not force:
        return tag
    base = ensure_base(client, settings, progress)
    wheelhouse = fill_wheelhouse(settings, engine_arch(client), progress)
    progress(f"building {tag}")
    with tempfile.TemporaryDirectory(prefix="grader-image-") as tmp:
        context = Path(tmp)
        for name, path in image_inputs(settings):
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, context / name)
        shutil.copytree(wheelhouse, context / "wheelhouse")
        try:
            client.images.build(
                path=str(context),
                tag=tag,
                buildargs={"BASE": base},
                network_mode="none",
                rm=True,
                forcerm=True,
                pull=False,
            )
        except docker.errors.BuildError as exc:
            lines = [str(c.get("stream") or c.get("error") or "").strip() for c in exc.build_log]
            detail = "; ".join(line for line in lines if line)[-400:]
            raise SandboxUnavailable(f"building the sandbox image failed: {detail}") from exc
    return tag
