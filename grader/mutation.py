"""Mutants of a reference solution: the mistakes candidates make, written into the reference.

A suite that lets a mutant pass cannot tell that mistake from the right answer. Each operator
models a real one (a flipped or off-by-one comparison, another status code, a forgotten
decorator, a dropped keyword argument, a deleted call, ``and`` for ``or``, another dict key, an
off-by-one limit, a flipped flag). A mutant changes one node's source text in place, so the rest
of the file, comments included, stays as written, and its id (``path:line:operator:k``, the
k-th mutant of that operator on that line) stays the same while that line does.

Source text in, mutant texts out (and a mutant written to a folder); grading them is
``validation``'s job.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.errors import ChallengeError
from grader.intake import is_junk

MUTANT_SAMPLE_SEED = 20261130  # which mutants a --mutants N below the total keeps: fixed

# A status code a candidate plausibly writes instead of each right one.
STATUS_SWAPS = {
    200: 201, 201: 200, 202: 200, 204: 200, 301: 302, 302: 301, 303: 302, 307: 302,
    308: 301, 400: 422, 401: 403, 403: 401, 404: 400, 405: 404, 409: 400, 410: 404,
    413: 400, 415: 400, 422: 400, 429: 503, 500: 400, 503: 500,
}  # fmt: skip
COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
    ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
OPERATORS = (
    "compare", "status-code", "number", "boolean", "flag", "keyword", "decorator", "call",
    "dict-key",
)  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    """One changed copy of one file of the reference."""

    id: str  # "app/routes.py:42:status-code:1"
    path: str  # the file, relative to the solution folder
    line: int
    operator: str
    before: str  # the original source of the changed node
    after: str  # what replaced it
    source: str  # the whole mutated file


@dataclass(frozen=True)
class _Edit:
    line: int
    col: int
    end_line: int
    end_col: int
    operator: str
    after: str


def mutants_of_file(path: str, source: str) -> list[Mutant]:
    """Every mutant of one Python file; a file that does not parse has none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # null bytes, deep nesting
        return []
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for text in lines:
        offsets.append(offsets[-1] + len(text))
    mutants: list[Mutant] = []
    counts: dict[tuple[int, str], int] = {}
    for edit in sorted(_edits(tree), key=lambda e: (e.line, e.col, OPERATORS.index(e.operator))):
        start = _offset(lines, offsets, edit.line, edit.col)
        end = _offset(lines, offsets, edit.end_line, edit.end_col)
        mutated = source[:start] + edit.after + source[end:]
        try:
            compile(mutated, path, "exec")
        except SyntaxError:
            continue  # an edit that does not fit its place is no mistake a candidate makes
        key = (edit.line, edit.operator)
        counts[key] = counts.get(key, 0) + 1
        mutants.append(
            Mutant(
                id=f"{path}:{edit.line}:{edit.operator}:{counts[key]}",
                path=path,
                line=edit.line,
                operator=edit.operator,
                before=_one_line(source[start:end]),
                after=_one_line(edit.after) or "(deleted)",
                source=mutated,
            )
        )
    return mutants


def mutants_of_folder(root: Path) -> list[Mutant]:
    """Every mutant of every ``.py`` file under ``root``, in path order.

    Raises ChallengeError for a file that is not UTF-8 (its mutants could not be written back).
    """
    found: list[Mutant] = []
    for file in sorted(root.rglob("*.py")):
        relative = file.relative_to(root)
        if is_junk(relative.parts) or not file.is_file() or file.is_symlink():
            continue
        try:
            source = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ChallengeError(
                f"solution/{relative.as_posix()} is not UTF-8, so it cannot be mutated: "
                "save it as UTF-8"
            ) from exc
        found += mutants_of_file(relative.as_posix(), source)
    return found


def sample(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """Keep at most ``limit`` mutants, the same ones every time, in their original order."""
    if limit is None or len(mutants) <= limit:
        return list(mutants)
    kept = set(random.Random(MUTANT_SAMPLE_SEED).sample(range(len(mutants)), limit))
    return [m for i, m in enumerate(mutants) if i in kept]


def write_mutant(solution_dir: Path, mutant: Mutant, into: Path) -> None:
    """Copy the solution to ``into`` with the mutant's file replaced."""
    for file in sorted(solution_dir.rglob("*")):
        if is_junk(file.relative_to(solution_dir).parts) or file.is_symlink():
            continue
        target = into / file.relative_to(solution_dir)
        if file.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif file.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.read_bytes())
    (into / mutant.path).write_text(mutant.source, encoding="utf-8")


# -- operators ---------------------------------------------------------------------------------


def _edits(tree: ast.Module) -> Iterator[_Edit]:
    inside_fstring = {
        id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)
    }
    docstrings = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in inside_fstring or id(node) in docstrings:
            continue  # f-string parts have no reliable positions; docstrings are not code
        for operator in _OPERATOR_FUNCTIONS:
            yield from operator(node)


def _replace(node: ast.AST, operator: str, after: str) -> _Edit:
    return _Edit(
        node.lineno,  # type: ignore[attr-defined]
        node.col_offset,  # type: ignore[attr-defined]
        node.end_lineno,  # type: ignore[attr-defined]
        node.end_col_offset,  # type: ignore[attr-defined]
        operator,
        after,
    )


def _compare(node: ast.AST) -> Iterator[_Edit]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        swap = COMPARE_SWAPS.get(type(node.ops[0]))
        if swap is not None:
            changed = ast.Compare(node.left, [swap()], node.comparators)
            yield _replace(node, "compare", f"({ast.unparse(changed)})")


def _status_code(node: ast.AST) -> Iterator[_Edit]:
    if _is_int(node) and node.value in STATUS_SWAPS:  # type: ignore[attr-defined]
        yield _replace(node, "status-code", str(STATUS_SWAPS[node.value]))  # type: ignore[attr-defined]


def _number(node: ast.AST) -> Iterator[_Edit]:
    if _is_int(node) and node.value not in STATUS_SWAPS and node.value >= 2:  # type: ignore[attr-defined]
        value = node.value  # type: ignore[attr-defined]
        yield _replace(node, "number", str(value + 1))
        yield _replace(node, "number", str(value - 1))


def _boolean(node: ast.AST) -> Iterator[_Edit]:
    if isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield _replace(node, "boolean", f"({ast.unparse(ast.BoolOp(other, node.values))})")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield _replace(node, "boolean", f"({ast.unparse(node.operand)})")


def _flag(node: ast.AST) -> Iterator[_Edit]:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield _replace(node, "flag", str(not node.value))


def _keyword(node: ast.AST) -> Iterator[_Edit]:
    """Drop one keyword argument: ``redirect(url, code=301)`` -> ``redirect(url)``."""
    if not isinstance(node, ast.Call):
        return
    for index, keyword in enumerate(node.keywords):
        if keyword.arg is None:
            continue  # **kwargs
        changed = ast.Call(node.func, node.args, node.keywords[:index] + node.keywords[index + 1 :])
        yield _replace(node, "keyword", ast.unparse(changed))


def _decorator(node: ast.AST) -> Iterator[_Edit]:
    """Forget one decorator: ``@login_required``, ``@bp.route(...)``, ``@app.errorhandler``."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return
    for decorator in node.decorator_list:
        # From the start of its line ("@" and any indent) to its end: the line becomes blank.
        yield _Edit(
            decorator.lineno,
            0,
            decorator.end_lineno or decorator.lineno,
            decorator.end_col_offset or 0,
            "decorator",
            "",
        )


def _call(node: ast.AST) -> Iterator[_Edit]:
    """Delete a call made for its effect: ``db.session.commit()``, ``session.clear()``."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield _replace(node, "call", "pass")


def _dict_key(node: ast.AST) -> Iterator[_Edit]:
    """Use another key: ``{"error": ...}``, ``session["uid"]``, ``request.form.get("name")``."""
    keys: list[ast.expr | None] = []
    if isinstance(node, ast.Dict):
        keys = list(node.keys)
    elif isinstance(node, ast.Subscript):
        keys = [node.slice]
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "pop", "setdefault", "getlist")
        and node.args
    ):
        keys = [node.args[0]]
    for key in keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value:
            yield _replace(key, "dict-key", repr(f"{key.value}_"))


def _is_int(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    )


def _docstring_nodes(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0]))
                found.add(id(body[0].value))
    return found


_OPERATOR_FUNCTIONS: tuple[Callable[[ast.AST], Iterator[_Edit]], ...] = (
    _compare, _status_code, _number, _boolean, _flag, _keyword, _decorator, _call, _dict_key,
)  # fmt: skip


def _offset(lines: list[str], offsets: list[int], line: int, col: int) -> int:
    """The text offset of an AST position (``col`` counts UTF-8 bytes, as ast reports it)."""
    text = lines[line - 1] if line - 1 < len(lines) else ""
    return offsets[line - 1] + len(text.encode("utf-8")[:col].decode("utf-8", "ignore"))


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."
