"""The widgets' attributes are written by core.forms.html_params (issue 12: without
Markup.format): the same HTML as WTForms' own, for every kind of value a widget passes."""

import pytest
from markupsafe import Markup
from wtforms import widgets as wtforms_widget_names
from wtforms.widgets import core as wtforms_widgets

from app.core.forms import WTFORMS_HTML_PARAMS, html_params

CASES = [
    {},
    {"id": "name", "name": "name", "type": "text", "value": ""},
    {"class_": "field wide", "for_": "x", "required": True, "disabled": False},
    {"data_role": "picker", "aria_describedby": "hint-1", "data_x_y": 'say "hi"'},
    {"value": "<script>alert('&')</script>", "placeholder": "山田 太郎"},
    {"value": Markup("<b>kept</b>"), "maxlength": 100, "min": 0, "max": 1.5},
    {"value": None, "checked": True, "autocomplete": "off", "inputmode": "email"},
    {"value": Markup('say "hi" &amp; <i>bye</i>'), "title": "a'b&c\"d<e>f"},
    {"data_x": 0, "value": 12.0, "aria_label": "", "name": "members-0-name"},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_same_attributes_as_wtforms(kwargs):
    ours = html_params(**kwargs)
    assert isinstance(ours, Markup)
    assert ours == WTFORMS_HTML_PARAMS(**kwargs)


def test_every_widget_uses_it():
    assert wtforms_widgets.html_params is html_params
    assert wtforms_widget_names.html_params is html_params  # Label
    assert wtforms_widgets.Input.html_params is html_params


def test_rendered_form_unchanged(app):
    """A form page's fields render with quotes escaped and boolean attributes bare."""
    from wtforms import StringField

    from app.core.forms import BaseForm

    class Probe(BaseForm):
        text = StringField("名前")

    with app.test_request_context("/"):
        form = Probe(data={"text": 'a "b" <c>'})
        html = str(form.text(required=True, data_hint="x"))
        label = str(form.text.label(class_="l"))
    assert label == '<label class="l" for="text">名前</label>'
    assert html == (
        '<input data-hint="x" id="text" name="text" required type="text" '
        'value="a &#34;b&#34; &lt;c&gt;">'
    )
