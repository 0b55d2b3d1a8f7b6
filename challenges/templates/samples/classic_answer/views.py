"""Pages: the list of menus, one menu, adding to it, and search."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from store import Menu, Store, parse_price

bp = Blueprint("menus", __name__)


def _store() -> Store:
    return current_app.extensions["menu_store"]


def _menu_or_404(menu_id: int) -> Menu:
    menu = _store().get_menu(menu_id)
    if menu is None:
        abort(404)
    return menu


@bp.get("/")
def index():
    """Show every menu."""
    return render_template("index.html", menus=_store().menus())


@bp.post("/menus")
def create_menu():
    """Create a menu from the form's title and show it."""
    title = request.form.get("title", "").strip()
    if not title:
        abort(400, "title is required")
    menu = _store().add_menu(title)
    return redirect(url_for("menus.show_menu", menu_id=menu.id), code=303)


@bp.get("/menus/<int:menu_id>")
def show_menu(menu_id: int):
    """Show one menu and its items."""
    return render_template("menu.html", menu=_menu_or_404(menu_id))


@bp.post("/menus/<int:menu_id>/items")
def add_item(menu_id: int):
    """Add an item to a menu from the form, then show the menu."""
    menu = _menu_or_404(menu_id)
    name = request.form.get("name", "").strip()
    price_cents = parse_price(request.form.get("price", ""))
    if not name or price_cents is None:
        abort(400, "name and a valid price are required")
    _store().add_item(
        menu,
        name=name,
        price_cents=price_cents,
        description=request.form.get("description", "").strip(),
        vegetarian="vegetarian" in request.form,
    )
    return redirect(url_for("menus.show_menu", menu_id=menu.id), code=303)


@bp.get("/search")
def search():
    """Find items by name across every menu."""
    query = request.args.get("q", "").strip()
    items = _store().search(query) if query else []
    return render_template("search.html", query=query, items=items)
