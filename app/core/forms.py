"""BaseForm with Japanese WTForms messages, and the staff login form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
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
