"""Read-only view of the submitted files, as text and AST, for structural checks in tests."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path, PurePath, PurePosixPath

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
DEFAULT_MAX_FILES = 10_000


class Source:
    """The files of one submission under ``root``: listed, read and parsed, never written.

    Only regular files count; symlinks (to files or folders) are neither listed nor followed.
    Nothing here imports or runs the submission.
    """

    def __init__(
        self,
        root: Path,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_files: int = DEFAULT_MAX_FILES,
    ) -> None:
        self.root = Path(root)
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self._files: list[str] | None = None

    def __repr__(self) -> str:
        return f"<Source {self.root}>"

    @property
    def files(self) -> list[str]:
        """Return the sorted relative POSIX paths of the regular files (``"app/__init__.py"``)."""
        if self._files is None:
            if not self.root.is_dir():
                raise AssertionError(f"the submission folder {self.root} does not exist")
            self._files = sorted(self._walk())
        return list(self._files)

    def exists(self, path: str | PurePath) -> bool:
        """Tell whether ``path`` is one of ``files``."""
        return _normalise(path) in self.files

    def text(self, path: str | PurePath) -> str:
        """Return the file's text, decoded as UTF-8 with replacement characters."""
        relative = _normalise(path)
        if relative not in self.files:
            raise AssertionError(
                f"{str(path)!r} is not a file of the submission (source.files lists them)"
            )
        return self._read(relative).decode("utf-8", errors="replace")

    def python_files(self) -> list[str]:
        """Return the paths of the ``.py`` files, sorted."""
        return [path for path in self.files if path.endswith(".py")]

    def ast(self, path: str | PurePath) -> ast.Module:
        """Return the parsed module; a file that does not parse fails the test with its line."""
        relative = _normalise(path)
        text = self.text(relative)
        try:
            return ast.parse(text, filename=relative)
        except SyntaxError as e:
            raise AssertionError(f"{relative} does not parse: {e.msg} (line {e.lineno})") from None
        except (ValueError, RecursionError, MemoryError) as e:
            raise AssertionError(f"{relative} does not parse: {e}") from None

    def all_text(self, suffix: str = ".py") -> str:
        """Return the text of every file whose name ends with ``suffix``, joined by newlines."""
        return "\n".join(self.text(path) for path in self.files if path.endswith(suffix))

    def _walk(self) -> list[str]:
        found: list[str] = []
        folders = [(self.root, PurePosixPath())]
        while folders:
            folder, relative = folders.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((Path(entry.path), relative / entry.name))
                    elif entry.is_file(follow_symlinks=False):
                        found.append((relative / entry.name).as_posix())
            if len(found) > self.max_files:
                raise AssertionError(f"the submission has more than {self.max_files} files")
        return found

    def _read(self, relative: str) -> bytes:
        # O_NOFOLLOW: a file swapped for a symlink after listing is refused, not followed.
        fd = os.open(self.root / relative, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise AssertionError(f"{relative} is not a regular file")
            if info.st_size > self.max_file_bytes:
                raise AssertionError(
                    f"{relative} is {info.st_size} bytes, over the {self.max_file_bytes} "
                    "bytes the tests read"
                )
            data = file.read(self.max_file_bytes + 1)
        if len(data) > self.max_file_bytes:
            raise AssertionError(
                f"{relative} is over the {self.max_file_bytes} bytes the tests read"
            )
        return data


def _normalise(path: str | PurePath) -> str:
    return PurePosixPath(str(path).replace("\\", "/")).as_posix()
