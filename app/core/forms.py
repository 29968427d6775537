"""Forms: Japanese messages, bounded and clean text, the staff forms, showing a refusal.

Input is bounded and cleaned once, here, at the form layer (issue 8 §2): every text field has a
maximum length (``max_length``), numbers a range, and a form refuses control characters next to
the field they are in (newline and tab are allowed in multi-line fields only).
"""

import re
from collections.abc import Callable, Iterator

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.form import _FlaskFormCSRF
from markupsafe import escape
from wtforms import DateField, Form, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields import Field, FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from app.core import fields, idempotency
from app.core.csrf_recovery import in_recovery
from app.core.models import StaffUser

LOCALES = ["ja_JP", "ja"]
# C0 controls and DEL; a multi-line field keeps tab, newline and carriage return.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "使用できない文字（制御文字）が含まれています。入力し直してください。"


def max_length(n: int, label: str = "") -> Length:
    """Length(max=n) with a Japanese message (「氏名は100文字以内で入力してください。」)."""
    return Length(max=n, message=f"{label + 'は' if label else ''}{n}文字以内で入力してください。")


class InRange:
    """Like WTForms' NumberRange, for numbers of any size (NumberRange turns a 400-digit number
    into a float and fails with OverflowError); a missing value is left to InputRequired."""

    def __init__(self, low, high, message: str):
        self.low, self.high, self.message = low, high, message
        self.field_flags = {"min": low, "max": high}

    def __call__(self, form, field) -> None:
        if field.data is None:
            return
        try:
            inside = self.low <= field.data <= self.high
        except TypeError:
            inside = False
        if not inside:
            raise ValidationError(self.message)


def number_range(
    low: int | float, high: int | float, label: str = "", message: str = ""
) -> InRange:
    """A range check with a Japanese message (「0～100,000の範囲で入力してください。」)."""
    return InRange(
        low,
        high,
        message or f"{label + 'は' if label else ''}{low:,}～{high:,}の範囲で入力してください。",
    )


class DayField(DateField):
    """A day (``<input type="date">``, or typed) with a Japanese message saying how to type it
    (WTForms' own says 「無効な日付型です。」)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("日付は「2024-04-01」の形で入力してください。") from None


def strip_control(value):
    """Filter for search boxes (GET forms that are never validated): control characters go."""
    return CONTROL.sub("", value) if isinstance(value, str) else value


def all_fields(form) -> Iterator[Field]:
    """Every field of a form, nested FieldList / FormField entries included."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from all_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from all_fields(field.form)
        else:
            yield field


def text_fields(form) -> Iterator[Field]:
    """Every field of a form that holds text."""
    return (field for field in all_fields(form) if isinstance(field.data, str))


def refuse_control_characters(form) -> bool:
    """Put a message next to every field that holds a control character; False if any did."""
    clean = True
    for field in text_fields(form):
        pattern = CONTROL_IN_TEXT if isinstance(field, TextAreaField) else CONTROL
        if pattern.search(field.data):
            field.errors = [*field.errors, CONTROL_MESSAGE]
            clean = False
    return clean


class _WithSubmissionKey:
    """The CSRF token's widget, followed by a one-time submission key (``core.idempotency``):
    a template rendering ``form.csrf_token()`` gets both."""

    def __init__(self, widget):
        self.widget = widget

    def __call__(self, field, **kwargs):
        return self.widget(field, **kwargs) + idempotency.key_input()


class _TokenWhenWritten:
    """The form's CSRF token, signed when a page writes it (``str``, ``__html__``), not when
    the form is built: a POST that redirects never writes one (issue 12: signing it was about
    3 % of an accepted registration's CPU). Flask-WTF signs one token per request."""

    __slots__ = ("_make", "_token")

    def __init__(self, make: Callable[[], str]):
        self._make = make
        self._token = None

    def __str__(self) -> str:
        if self._token is None:
            self._token = self._make()
        return self._token

    def __html__(self) -> str:
        return str(escape(str(self)))


class _CSRFWhenWritten(_FlaskFormCSRF):
    """Flask-WTF's CSRF for forms, its token made when written (``_TokenWhenWritten``)."""

    def generate_csrf_token(self, csrf_token_field):
        make = super().generate_csrf_token
        return _TokenWhenWritten(lambda: make(csrf_token_field))


class BaseForm(FlaskForm):
    """All POST forms: WTForms' built-in messages in Japanese; control characters refused; the
    CSRF field also renders the one-time submission key; never valid while shown again after a
    CSRF failure (``core.csrf_recovery``)."""

    class Meta:
        locales = LOCALES
        csrf_class = _CSRFWhenWritten

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = getattr(self, "csrf_token", None)
        if token is not None and not isinstance(token.widget, _WithSubmissionKey):
            widget = token.widget
            if type(widget) is HiddenInput:  # the same HTML, written plainer (core.fields)
                widget = fields.HiddenInput()
            token.widget = _WithSubmissionKey(widget)

    def validate(self, extra_validators=None) -> bool:
        if in_recovery():
            return False
        valid = super().validate(extra_validators)
        return refuse_control_characters(self) and valid

    def validate_on_submit(self, extra_validators=None) -> bool:
        # Also for forms whose own validate() does not call this class's.
        return not in_recovery() and super().validate_on_submit(extra_validators)


class SubForm(Form):
    """A form nested in a BaseForm (a FieldList row): Japanese messages; its text is checked
    for control characters by the form that holds it."""

    class Meta:
        locales = LOCALES


class SearchForm(Form):
    """A GET form of filters: Japanese messages; text fields should use ``strip_control``."""

    class Meta:
        locales = LOCALES


class LoginForm(BaseForm):
    login = StringField(
        "ログインID",
        validators=[DataRequired(message="ログインIDを入力してください。"), max_length(100)],
    )
    password = PasswordField(
        "パスワード",
        validators=[DataRequired(message="パスワードを入力してください。"), max_length(200)],
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


class NewPasswordForm(BaseForm):
    """A new password twice: the one-time reset link's page (and the base of the change)."""

    new_password = PasswordField(
        "新しいパスワード（10文字以上）",
        validators=[DataRequired(message="新しいパスワードを入力してください。"), max_length(200)],
    )
    confirm = PasswordField(
        "新しいパスワード（確認）",
        validators=[
            DataRequired(message="確認のため、もう一度入力してください。"),
            max_length(200),
        ],
    )


class PasswordChangeForm(NewPasswordForm):
    current = PasswordField(
        "現在のパスワード",
        validators=[DataRequired(message="現在のパスワードを入力してください。"), max_length(200)],
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


class StaffCreateForm(BaseForm):
    """管理者 creates an account; its first password is set through a one-time link."""

    name = StringField(
        "氏名",
        validators=[DataRequired(message="氏名を入力してください。"), max_length(100, "氏名")],
    )
    login = StringField(
        "ログインID（半角英数字）",
        validators=[
            DataRequired(message="ログインIDを入力してください。"),
            max_length(100, "ログインID"),
        ],
    )
    # 管理者 is chosen on purpose, never by default.
    role = SelectField("役割", choices=to_choices(StaffUser.ROLES.items()), default="secretariat")


class StaffRoleForm(BaseForm):
    role = SelectField("役割", choices=to_choices(StaffUser.ROLES.items()))


PasswordResetForm = NewPasswordForm
