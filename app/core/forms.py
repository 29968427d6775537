"""BaseForm with Japanese WTForms messages, and the staff login form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired


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


def to_choices(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def to_grouped_choices(groups, first: tuple[str, str] | None = None) -> list[SelectChoice]:
    """[(group label, [(value, label), …]), …] as options inside <optgroup>s."""
    result = to_choices([first]) if first else []
    for group, pairs in groups:
        result += to_choices(pairs, optgroup=group)
    return result
