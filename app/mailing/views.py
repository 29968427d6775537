"""The 特設サイト's 「個人ページのURLを再送」: a person who lost the first mail gets the personal
links again by entering the address. The page answers the same whether or not the address is
registered (nobody learns who registered), and is throttled per client and per address."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from app.core.text import normalise_email
from app.events.models import current_event_or_404
from app.extensions import limiter
from app.mailing import services
from app.mailing.forms import ResendLinkForm

bp = Blueprint("mailing", __name__)


def _per_client():
    return current_app.config["RESEND_LINK_LIMITS"]


def _per_address():
    return current_app.config["RESEND_LINK_LIMITS_PER_ADDRESS"]


def _address_key() -> str:
    """The address asked for: nobody can have one inbox flooded from many clients."""
    return "resend|" + normalise_email((request.form.get("email") or "")[:300])


@bp.route("/resend-link", methods=["GET", "POST"])
@limiter.limit(
    _per_client, key_func=lambda: "resend-client|" + get_remote_address(), methods=["POST"]
)
@limiter.limit(_per_address, key_func=_address_key, methods=["POST"])
def resend_link():
    event = current_event_or_404()
    form = ResendLinkForm()
    if form.validate_on_submit():
        services.send_personal_links(event, form.email.data)
        return redirect(url_for(".resend_link", sent=1))
    sent = request.method == "GET" and request.args.get("sent") == "1"
    return render_template("mailing/resend.html", event=event, form=form, sent=sent)
