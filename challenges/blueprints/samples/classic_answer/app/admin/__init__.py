import hmac

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..catalog import DuplicateProduct, InvalidProduct, get_catalog, parse_product

# the admin has its own templates folder too: app/admin/templates
admin_bp = Blueprint("admin", __name__, template_folder="templates")


@admin_bp.before_request
def check_token():
    # runs for the admin blueprint's requests only
    token = current_app.config.get("ADMIN_TOKEN")
    sent = request.headers.get("X-Admin-Token", "")
    if not token or not hmac.compare_digest(sent, token):
        abort(403)


@admin_bp.route("/")
def index():
    return render_template("index.html", products=get_catalog().all())


@admin_bp.route("/products", methods=["POST"])
def add_product():
    try:
        get_catalog().add(parse_product(request.form))
    except InvalidProduct as e:
        return render_template("index.html", products=get_catalog().all(), error=e), 400
    except DuplicateProduct as e:
        return render_template("index.html", products=get_catalog().all(), error=e), 409
    return redirect(url_for("admin.index"), 303)
