"""The 一斉メール console: choose a group, write with 〔placeholders〕, preview for one person,
send through the outbox; the history of every campaign with its progress and recipients; one
mail's body (personal links masked for 分析担当)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.auth import staff_required
from app.core.forms import show_error, to_choices
from app.core.logs import mask_tokens
from app.core.models import OutboxMessage
from app.core.paging import paginate
from app.core.templating import register_console_nav
from app.events.models import current_event_or_404
from app.extensions import db
from app.mailing import placeholders, services
from app.mailing.forms import CampaignForm
from app.mailing.models import Campaign

bp = Blueprint("mailing_console", __name__, url_prefix="/console/mailing")
SENDERS = ("secretariat",)
READERS = ("secretariat", "analyst")
PREVIEW_LIST = 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_console_nav(app, "一斉メール", "mailing_console.index", READERS)


def _fingerprint(flt: services.RecipientFilter, subject: str, body: str) -> str:
    """What a preview showed (the group's conditions and the text), as a short hex digest."""
    return hashlib.sha256(repr((flt, subject, body)).encode()).hexdigest()[:32]


def _filter(form: CampaignForm) -> services.RecipientFilter:
    return services.RecipientFilter(
        channels=tuple(form.channels.data or ()),
        categories=tuple(form.categories.data or ()),
        team_statuses=tuple(form.team_statuses.data or ()),
        representatives_only=bool(form.representatives_only.data),
        scene_missing=bool(form.scene_missing.data),
        include_cancelled=bool(form.include_cancelled.data),
    )


@bp.route("/")
@staff_required(*READERS)
def index():
    event = current_event_or_404()
    page = paginate(services.campaigns(event))
    return render_template(
        "mailing/index.html",
        event=event,
        page=page,
        progress=services.progress([c.id for c in page.items]),
        statuses=OutboxMessage.STATUSES,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required(*SENDERS)
def new():
    """Without 「送信する」 a submission previews (nothing is written); 「送信する」 sends to the
    group the preview counted, or refuses when it has changed."""
    event = current_event_or_404()
    form = CampaignForm()
    form.set_channels(event)
    form.preview_for.choices = []
    preview = None
    if form.validate_on_submit():
        flt = _filter(form)
        try:
            fingerprint = _fingerprint(flt, form.subject.data, form.body.data)
            if "send" in request.form:
                if form.previewed.data and form.previewed.data != fingerprint:
                    raise services.MailingError(
                        "確認した後に送信先の条件または文面が変わりました。"
                        "もう一度「送信先と文面を確認」を押して、届くメールを確かめてから送信してください。"
                    )
                campaign = services.send_campaign(
                    event,
                    flt,
                    form.subject.data,
                    form.body.data,
                    staff_id=current_user.id,
                    expected_count=form.expected(),
                )
                flash(
                    f"{campaign.recipient_count}名へのメールを送信箱に入れました。"
                    "送信の進み具合はこのページで確認できます。",
                    "success",
                )
                return redirect(url_for(".campaign", campaign_id=campaign.id))
            preview = services.preview(
                event, flt, form.subject.data, form.body.data, form.preview_for.data or ""
            )
        except services.MailingError as exc:
            db.session.rollback()
            show_error(form, exc)
        if preview is not None:
            form.preview_for.choices = to_choices(
                (r.key, f"{r.name}（{r.email}）{r.role}") for r in preview.recipients[:PREVIEW_LIST]
            )
            if preview.chosen is not None:
                form.preview_for.data = preview.chosen.key
            form.expected_count.data = str(len(preview.recipients))
            form.previewed.data = fingerprint
    return render_template(
        "mailing/new.html",
        event=event,
        form=form,
        preview=preview,
        placeholders=placeholders.PLACEHOLDERS,
        preview_list=PREVIEW_LIST,
    )


@bp.route("/<int:campaign_id>")
@staff_required(*READERS)
def campaign(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    return render_template(
        "mailing/campaign.html",
        event=campaign.event,
        campaign=campaign,
        page=paginate(services.recipients(campaign)),
        counts=services.progress([campaign.id])[campaign.id],
        statuses=OutboxMessage.STATUSES,
    )


@bp.route("/messages/<int:message_id>")
@staff_required(*READERS)
def message(message_id: int):
    """One outbox mail as it was written. Personal links open someone's pages: 分析担当 sees
    them masked (``/r/***``), 事務局 (who resends and forwards them) in full."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    masked = not current_user.can(*SENDERS)
    return render_template(
        "mailing/message.html",
        event=current_event_or_404(),
        m=message,
        subject=mask_tokens(message.subject) if masked else message.subject,
        body=mask_tokens(message.body) if masked else message.body,
        masked=masked,
    )
