"""GET /books a page at a time: bounds, totals and links."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.skill("pagination")]


def _page(client, **query):
    response = client.get("/books", query_string=query)
    assert response.status_code == 200, f"GET /books {query}: got {response.status_code}"
    return response.get_json()


@pytest.mark.weight(2)
def test_first_page_has_defaults_and_totals(client, new_author, new_book):
    """GET /books?author_id=<id> serves page 1 of 10 items with total, pages and links"""
    author_id = new_author()["id"]
    books = [new_book(author_id) for _ in range(12)]
    page = _page(client, author_id=author_id)
    assert (page["page"], page["per_page"], page["total"], page["pages"]) == (1, 10, 12, 2)
    assert [b["id"] for b in page["items"]] == [b["id"] for b in books[:10]]
    assert page["prev"] is None and page["next"]


@pytest.mark.weight(3)
def test_a_middle_page_and_the_last_page(client, new_author, new_book):
    """page and per_page pick the slice; next and prev are set except at the ends"""
    author_id = new_author()["id"]
    ids = [new_book(author_id)["id"] for _ in range(5)]
    middle = _page(client, author_id=author_id, page=2, per_page=2)
    assert [b["id"] for b in middle["items"]] == ids[2:4]
    assert (middle["page"], middle["per_page"], middle["total"], middle["pages"]) == (2, 2, 5, 3)
    assert middle["next"] and middle["prev"]
    last = _page(client, author_id=author_id, page=3, per_page=2)
    assert [b["id"] for b in last["items"]] == ids[4:]
    assert last["next"] is None and last["prev"]


@pytest.mark.weight(2)
def test_following_next_visits_every_book_once(client, new_author, new_book, relative):
    """Following next from page 1 lists the author's books exactly once, in id order"""
    author_id = new_author()["id"]
    ids = [new_book(author_id)["id"] for _ in range(5)]
    seen, link = [], f"/books?author_id={author_id}&per_page=2"
    for _ in range(5):
        response = client.get(relative(link))
        assert response.status_code == 200, f"GET {link}: {response.status_code}"
        page = response.get_json()
        seen += [b["id"] for b in page["items"]]
        link = page["next"]
        if link is None:
            break
    assert seen == ids, "next links must keep per_page and the author_id filter"


@pytest.mark.weight(1)
def test_per_page_is_capped_at_50(client):
    """GET /books?per_page=500 serves at most 50 items and reports per_page 50"""
    page = _page(client, per_page=500)
    assert page["per_page"] == 50, f"per_page was {page['per_page']}"
    assert len(page["items"]) <= 50


@pytest.mark.weight(2)
def test_bad_paging_arguments_are_400(client):
    """page or per_page that is not a whole number of at least 1 answers 400"""
    for query in ({"page": 0}, {"page": -1}, {"page": "two"}, {"per_page": 0}, {"per_page": "x"}):
        response = client.get("/books", query_string=query)
        assert response.status_code == 400, f"GET /books {query}: got {response.status_code}"


@pytest.mark.weight(1)
def test_page_past_the_end_is_404(client, new_author, new_book):
    """A page after the last one answers 404"""
    author_id = new_author()["id"]
    for _ in range(3):
        new_book(author_id)
    response = client.get("/books", query_string={"author_id": author_id, "page": 3, "per_page": 2})
    assert response.status_code == 404, f"expected 404, got {response.status_code}"


@pytest.mark.weight(1)
def test_no_books_is_an_empty_first_page(client, new_author):
    """Page 1 of an author with no books is 200 with no items, total 0 and no links"""
    page = _page(client, author_id=new_author()["id"])
    assert (page["items"], page["total"], page["next"], page["prev"]) == ([], 0, None, None)
