"""BaseForm with Japanese WTForms messages, the staff login form, and showing a refusal on a form."""

from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError


class BaseForm(FlaskForm):
    """All forms: WTForms' built-in messages in Japanese."""

    class Meta:
        locales = ["ja_JP", "ja"]


class LoginForm(BaseForm):
    login = StringField(
        "ログインID", validators=[DataRequired(message="ログインIDを入力してください。")]
    )
    password = PasswordField(
        "パスワード", validators=[DataRequired(message="パスワードを入力してください。")]
    )


class MailAddress:
    """An e-mail address the configured mail server can deliver to (WTForms validator).

    Non-ASCII characters (``やまだ@example.jp``) need SMTPUTF8, which most servers lack: they are
    refused with a Japanese message unless ``MAIL_SMTPUTF8`` says the server supports it;
    the syntax is checked by email-validator (no DNS look-up).
    """

    def __call__(self, form, field) -> None:
        value = field.data or ""
        if not value:
            return
        smtputf8 = bool(current_app.config.get("MAIL_SMTPUTF8"))
        if not value.isascii() and not smtputf8:
            raise ValidationError(
                "メールアドレスに全角文字や日本語が含まれています。"
                "お届けできないため、半角英数字のアドレスを入力してください。"
            )
        try:
            validate_email(value, check_deliverability=False, allow_smtputf8=smtputf8)
        except EmailNotValidError:
            raise ValidationError("メールアドレスの形式が正しくありません。") from None


class PasswordChangeForm(BaseForm):
    current = PasswordField(
        "現在のパスワード",
        validators=[DataRequired(message="現在のパスワードを入力してください。")],
    )
    new_password = PasswordField(
        "新しいパスワード（10文字以上）",
        validators=[DataRequired(message="新しいパスワードを入力してください。")],
    )
    confirm = PasswordField(
        "新しいパスワード（確認）",
        validators=[DataRequired(message="確認のため、もう一度入力してください。")],
    )


class ActionForm(BaseForm):
    """A button that only needs the CSRF token."""


def to_choices(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def to_grouped_choices(groups, first: tuple[str, str] | None = None) -> list[SelectChoice]:
    """[(group label, [(value, label), …]), …] as options inside <optgroup>s."""
    result = to_choices([first]) if first else []
    for group, pairs in groups:
        result += to_choices(pairs, optgroup=group)
    return result


def show_error(
    form,
    exc,
    *,
    aliases: dict[str, str] | None = None,
    otherwise: Callable[[str], None] | None = None,
) -> None:
    """Show a domain refusal next to the field it concerns.

    ``exc`` has ``message`` (Japanese) and ``field`` (a field name or None), as every ``*Error``
    of the rules modules does. ``aliases`` maps a rule's field name to the form's when the form
    has that field. A message with no field on this form goes to ``otherwise(message)`` when
    given (e.g. a flash), else above the form (``form.form_errors``).
    """
    names = [(aliases or {}).get(exc.field), exc.field] if exc.field else []
    field = next((getattr(form, n) for n in names if n and hasattr(form, n)), None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    elif otherwise is not None:
        otherwise(exc.message)
    else:
        form.form_errors.append(exc.message)
