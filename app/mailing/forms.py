"""Forms of the 一斉メール console and of the 特設サイト's 「個人ページのURLを再送」."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import BaseForm, MailAddress, max_length, to_choices
from app.core.text import normalise_text
from app.registration.rules import CATEGORY_LABELS, TEAM_STATUS_LABELS

SUBJECT_MAX = 200
BODY_MAX = 10000


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (works without JavaScript); none ticked means "every"."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        known = {
            choice.value if hasattr(choice, "value") else choice[0] for choice in self.choices or ()
        }
        if any(value not in known for value in self.data or ()):
            raise ValidationError("選択肢にない値が送信されました。選び直してください。")


class CampaignForm(BaseForm):
    """The group (filters), the text with its 〔placeholders〕, and the preview's recipient."""

    channels = CheckboxesField("参加方法・会場（選ばなければすべて）", validators=[Optional()])
    categories = CheckboxesField(
        "参加区分（選ばなければすべて）",
        choices=to_choices(CATEGORY_LABELS.items()),
        validators=[Optional()],
    )
    team_statuses = CheckboxesField(
        "研修会議Ⅱ 団体の状態（選ばなければ、見送り・取消を除くすべて）",
        choices=to_choices(TEAM_STATUS_LABELS.items()),
        validators=[Optional()],
    )
    representatives_only = BooleanField("研修会議Ⅱの代表者のみ")
    scene_missing = BooleanField("資料２（検討希望場面）が未提出の団体のみ")
    include_cancelled = BooleanField("取消済みの申込者・団体から外れた方も含める")
    subject = StringField(
        "件名",
        validators=[
            DataRequired(message="件名を入力してください。"),
            max_length(SUBJECT_MAX, "件名"),
        ],
    )
    body = TextAreaField(
        "本文",
        validators=[DataRequired(message="本文を入力してください。"), max_length(BODY_MAX, "本文")],
    )
    # The preview's recipient: r<id> or m<id> among the group (anything else: the first).
    preview_for = SelectField("プレビューする送信先", validate_choice=False)
    # The number of recipients the preview showed; sending refuses when the group has changed.
    expected_count = HiddenField(
        validators=[
            Optional(),
            max_length(7),
            Regexp(r"^[0-9]{1,7}$", message="もう一度確認してください。"),
        ]
    )

    # A fingerprint of the group and the text the preview showed (``mailing.console``): a send
    # after either was edited on the preview page is refused, so nobody sends unseen text.
    previewed = HiddenField(
        validators=[
            Optional(),
            max_length(64),
            Regexp(r"^[0-9a-f]{1,64}$", message="もう一度確認してください。"),
        ]
    )

    def set_channels(self, event) -> None:
        self.channels.choices = to_choices((c.code, c.label) for c in event.channels)

    def expected(self) -> int | None:
        value = self.expected_count.data or ""
        return int(value) if value.isdigit() and len(value) <= 7 else None


class ResendLinkForm(BaseForm):
    """「個人ページのURLを再送」: the address the person registered with."""

    email = EmailField(
        "お申込み時のメールアドレス",
        filters=[lambda v: normalise_text(v).replace(" ", "") if isinstance(v, str) else v],
        validators=[
            DataRequired(message="メールアドレスを入力してください。"),
            max_length(254, "メールアドレス"),
            MailAddress(),
        ],
    )
