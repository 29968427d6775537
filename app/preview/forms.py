"""Forms of the preview page."""

from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from app.core.forms import BaseForm


class DeleteTestsForm(BaseForm):
    """Deleting every test row needs the box ticked (the page works without JavaScript)."""

    # ``confirmed=1`` is the field of ``core.confirm``: ticked here, the action needs no
    # second confirmation page.
    confirmed = BooleanField(
        "テスト送信をすべて削除します（元に戻せません）",
        validators=[DataRequired(message="削除する場合はチェックを入れてください。")],
        render_kw={"value": "1"},
    )


class StartPreviewForm(BaseForm):
    """Which event to preview: the one on the 特設サイト, or one being prepared (next year's)."""

    event_id = SelectField("プレビューする研修会議", coerce=int, choices=[])
