"""GET /books a page at a time: bounds, totals and links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.skill("pagination")]


def _page(client, label: str = "", **query):
    response = client.get("/books", query_string=query)
    assert response.status_code == 200, f"{label}GET /books {query}: got {response.status}"
    body = response.get_json()
    assert isinstance(body, dict), f"{label}GET /books {query} must answer a JSON object"
    return body


def _link_query(link: str | None, what: str) -> dict[str, str]:
    assert isinstance(link, str) and link, f"{what} must be a link, got {link!r}"
    parts = urlsplit(link)
    assert parts.path == "/books", f"{what} must point at /books, got {link!r}"
    return {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


@pytest.mark.weight(2)
@pytest.mark.requirement("R17", "R18")
def test_first_page_has_defaults_and_totals(client, new_author, new_book):
    """GET /books?author_id=<id> serves page 1 of 10 items with total, pages and links"""
    author_id = new_author()["id"]
    books = [new_book(author_id) for _ in range(12)]
    page = _page(client, author_id=author_id)
    assert (page["page"], page["per_page"], page["total"], page["pages"]) == (1, 10, 12, 2), (
        "page, per_page, total, pages: "
        f"{(page['page'], page['per_page'], page['total'], page['pages'])}"
    )
    assert page["items"] == books[:10], "items must be the first 10 books, each as GET shows it"
    assert page["prev"] is None and page["next"], (
        f"prev/next were {page['prev']!r}/{page['next']!r}"
    )


@pytest.mark.weight(3)
@pytest.mark.requirement("R17", "R20")
def test_a_middle_page_and_the_last_page(client, new_author, new_book):
    """page and per_page pick the slice; next and prev are set except at the ends"""
    author_id = new_author()["id"]
    ids = [new_book(author_id)["id"] for _ in range(5)]
    middle = _page(client, "page 2: ", author_id=author_id, page=2, per_page=2)
    assert [b["id"] for b in middle["items"]] == ids[2:4], "page 2 must hold books 3 and 4"
    assert (middle["page"], middle["per_page"], middle["total"], middle["pages"]) == (2, 2, 5, 3)
    assert middle["next"] and middle["prev"], "a middle page has both links"
    last = _page(client, "page 3: ", author_id=author_id, page=3, per_page=2)
    assert [b["id"] for b in last["items"]] == ids[4:], "the last page must hold book 5"
    assert last["next"] is None and last["prev"], "the last page has prev and no next"


@pytest.mark.weight(2)
@pytest.mark.requirement("R20")
def test_links_keep_per_page_and_filter(client, new_author, new_book):
    """next and prev of a middle page name /books with the same author_id and per_page"""
    author_id = new_author()["id"]
    for _ in range(5):
        new_book(author_id)
    middle = _page(client, author_id=author_id, page=2, per_page=2)
    expected = {"author_id": str(author_id), "per_page": "2"}
    for what, page in (("next", "3"), ("prev", "1")):
        query = _link_query(middle[what], what)
        got = {k: query.get(k) for k in ("author_id", "per_page", "page")}
        assert got == {**expected, "page": page}, f"{what} link {middle[what]!r}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R20")
def test_following_next_visits_every_book_once(client, new_author, new_book, relative):
    """Following next from page 1 lists the author's books exactly once, in id order"""
    author_id = new_author()["id"]
    ids = [new_book(author_id)["id"] for _ in range(5)]
    seen, link = [], f"/books?author_id={author_id}&per_page=2"
    for _ in range(5):
        response = client.get(relative(link))
        assert response.status_code == 200, f"GET {link}: {response.status}"
        page = response.get_json()
        seen += [b["id"] for b in page["items"]]
        link = page["next"]
        if link is None:
            break
    assert seen == ids, "next links must keep per_page and the author_id filter"


@pytest.mark.weight(1)
@pytest.mark.requirement("R20")
def test_following_prev_goes_back_to_the_first_page(client, new_author, new_book, relative):
    """Following prev from the last page lists the author's books backwards, page by page"""
    author_id = new_author()["id"]
    ids = [new_book(author_id)["id"] for _ in range(5)]
    seen, link = [], f"/books?author_id={author_id}&per_page=2&page=3"
    for _ in range(5):
        response = client.get(relative(link))
        assert response.status_code == 200, f"GET {link}: {response.status}"
        page = response.get_json()
        seen = [b["id"] for b in page["items"]] + seen
        link = page["prev"]
        if link is None:
            break
    assert seen == ids, "prev links must keep per_page and the author_id filter"


@pytest.mark.weight(3)
@pytest.mark.requirement("R19")
def test_per_page_limit_on_both_sides(client, new_author, isbn):
    """per_page 50 serves 50 books; 51 or 500 count as 50; 1 serves one book"""
    author_id = new_author()["id"]
    for n in range(51):
        payload = {"title": f"Book {n}", "isbn": isbn(), "year": 2000, "author_id": author_id}
        response = client.post("/books", json=payload)
        assert response.status_code == 201, (
            f"setup: creating book {n + 1} answered {response.status}"
        )
    for per_page in (50, 51, 500):
        page = _page(client, author_id=author_id, per_page=per_page)
        got = (page["per_page"], len(page["items"]), page["pages"])
        assert got == (50, 50, 2), f"per_page={per_page}: (per_page, items, pages) were {got}"
    last = _page(client, author_id=author_id, per_page=51, page=2)
    assert len(last["items"]) == 1, "per_page=51 counts as 50: page 2 holds the 51st book"
    one = _page(client, author_id=author_id, per_page=1)
    got = (one["per_page"], len(one["items"]), one["pages"])
    assert got == (1, 1, 51), f"per_page=1: (per_page, items, pages) were {got}"


@pytest.mark.weight(2)
@pytest.mark.requirement("R18")
@pytest.mark.parametrize("name", ["page", "per_page", "author_id"])
@pytest.mark.hint("Paging arguments come from the query string: refuse values that are not valid.")
def test_bad_paging_arguments_are_400(client, name):
    """page, per_page or author_id that is not a whole number (at least 1 for pages) is 400"""
    values = ["two", "1.5", "-1", ""] + (["0"] if name != "author_id" else [])
    for value in values:
        response = client.get("/books", query_string={name: value})
        assert response.status_code == 400, f"GET /books?{name}={value}: got {response.status}"
        body = response.get_json()
        assert isinstance(body, dict) and (body.get("errors") or body.get("error")), (
            f"GET /books?{name}={value}: the 400 must be a JSON error, got {response.text[:120]!r}"
        )


@pytest.mark.weight(1)
@pytest.mark.requirement("R18")
def test_lowest_paging_values_are_accepted(client):
    """page=1 and per_page=1 are valid: 200"""
    page = _page(client, page=1, per_page=1)
    assert (page["page"], page["per_page"]) == (1, 1), f"got {page['page']}, {page['per_page']}"
    assert len(page["items"]) <= 1


@pytest.mark.weight(1)
@pytest.mark.requirement("R17")
@pytest.mark.hint("Ask yourself what a page past the last one should answer; the statement says.")
def test_page_past_the_end_is_404(client, new_author, new_book):
    """With 3 books and per_page 2, page 2 is served (one book) and page 3 answers 404"""
    author_id = new_author()["id"]
    ids = [new_book(author_id)["id"] for _ in range(3)]
    last = _page(client, "step 1: ", author_id=author_id, page=2, per_page=2)
    assert [b["id"] for b in last["items"]] == ids[2:], "step 1: page 2 must hold the third book"
    response = client.get("/books", query_string={"author_id": author_id, "page": 3, "per_page": 2})
    assert response.status_code == 404, f"step 2: page 3 answered {response.status}"
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error"), "step 2: the 404 must be a JSON error"


@pytest.mark.weight(1)
@pytest.mark.requirement("R17")
def test_no_books_is_an_empty_first_page(client, new_author):
    """Page 1 of an author with no books is 200, no items, total 0, pages 0; page 2 is 404"""
    author_id = new_author()["id"]
    page = _page(client, "step 1: ", author_id=author_id)
    assert page == {
        "items": [],
        "page": 1,
        "per_page": 10,
        "total": 0,
        "pages": 0,
        "next": None,
        "prev": None,
    }, f"step 1: got {page!r}"
    response = client.get("/books", query_string={"author_id": author_id, "page": 2})
    assert response.status_code == 404, f"step 2: page 2 of no books answered {response.status}"


@pytest.mark.weight(1)
@pytest.mark.requirement("R17")
def test_filter_by_an_unknown_author_is_empty(client):
    """GET /books?author_id=<unknown> is an empty page 1, not an error"""
    page = _page(client, author_id=987654320)
    assert (page["items"], page["total"]) == ([], 0), f"got {page!r}"
