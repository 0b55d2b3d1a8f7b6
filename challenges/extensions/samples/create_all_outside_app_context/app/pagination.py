"""Reading page/per_page from the query string and rendering one page of results."""

from __future__ import annotations

import re
from typing import Any

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .db import db
from .errors import ValidationError

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 50
_DIGITS = re.compile(r"[0-9]+")


def query_int(name: str) -> int | None:
    """Return the query argument name as a non-negative int, None if absent; 400 if not digits."""
    raw = request.args.get(name)
    if raw is None:
        return None
    # Not int(raw): it would also take " 7", "+7" and non-ASCII digits.
    if not _DIGITS.fullmatch(raw):
        raise ValidationError({name: "must be a whole number"})
    return int(raw)


def _positive_int(name: str, default: int, errors: dict[str, str]) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or int(raw) < 1:
        errors[name] = "must be a whole number of at least 1"
        return default
    return int(raw)


def paginate(select: Select) -> Pagination:
    """Return the requested page of select; 400 for bad arguments, 404 past the last page."""
    errors: dict[str, str] = {}
    page = _positive_int("page", 1, errors)
    per_page = _positive_int("per_page", DEFAULT_PER_PAGE, errors)
    if errors:
        raise ValidationError(errors)
    # max_per_page caps per_page; error_out answers 404 for a page past the last one.
    return db.paginate(select, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE)


def page_payload(pagination: Pagination, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Render a page with totals and links that keep the other query arguments."""

    def link(page: int | None) -> str | None:
        if page is None:
            return None
        args = {**request.args.to_dict(), "page": page, "per_page": pagination.per_page}
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    return {
        "items": items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
        "next": link(pagination.next_num),
        "prev": link(pagination.prev_num),
    }
