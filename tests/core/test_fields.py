"""app.core.fields writes the same HTML as WTForms (issue 12): every field of every form in
app.registration.forms — the 研修会議Ⅰ form, the team application and the console's forms of
that module — rendered with its widget and with the WTForms widget it derives from, blank and
holding text that needs escaping, with and without extra attributes."""

from __future__ import annotations

import copy
import inspect

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import RadioField

from app.core import fields as fast
from app.core.forms import all_fields
from app.registration import forms as registration_forms

TRICKY = 'O\'Neil "quoted" <b>&amp;</b> 　全角'
ATTRIBUTES = [
    {},
    {"class_": 'wide "x"', "data_role": "<picker>", "aria_describedby": "hint-1"},
    {"autocomplete": "name", "inputmode": "email", "disabled": True, "readonly": False},
    {"title": Markup('already "markup" <i>')},
]


def _forms():
    for name, cls in inspect.getmembers(registration_forms, inspect.isclass):
        if cls.__module__ == registration_forms.__name__ and hasattr(cls, "_unbound_fields"):
            yield name, cls


def _stock(widget):
    """The WTForms widget ``widget`` derives from, with the same settings."""
    base = next(c for c in type(widget).__mro__[1:] if c.__module__.startswith("wtforms"))
    stock = copy.copy(widget)
    stock.__class__ = base
    return stock


def _rendered(form_class, data):
    form = form_class(formdata=MultiDict(data), meta={"csrf": False})
    for field in all_fields(form):
        for rendered in (field, *(field if isinstance(field, RadioField) else ())):
            if type(rendered.widget).__module__ == fast.__name__:
                yield rendered


@pytest.mark.parametrize("form_name", [name for name, _ in _forms()])
def test_every_field_renders_as_wtforms_does(app, form_name):
    form_class = dict(_forms())[form_name]
    checked = 0
    with app.test_request_context("/"):
        for data in ({}, {"name": TRICKY, "email": TRICKY, "note": TRICKY, "q": TRICKY}):
            for field in _rendered(form_class, data):
                for attributes in ATTRIBUTES:
                    ours = field.widget(field, **attributes)
                    theirs = _stock(field.widget)(field, **attributes)
                    assert str(ours) == str(theirs), (form_name, field.name, attributes)
                    checked += 1
    if form_class.__name__ in ("RegistrationForm", "TeamForm"):
        assert checked > 40  # the sweep reached the form's fields


def test_the_public_forms_fields_all_use_the_plain_writer(app):
    """A field added to the 研修会議Ⅰ form or the team application later comes from
    app.core.fields (or is the picker, written once per process)."""
    with app.test_request_context("/"):
        for form_class in (registration_forms.RegistrationForm, registration_forms.TeamForm):
            form = form_class(meta={"csrf": False})
            for field in all_fields(form):
                # A radio group is written option by option (the templates iterate it).
                radio = isinstance(field, RadioField)
                widget = field.option_widget if radio else field.widget
                module = type(widget).__module__
                assert module in (fast.__name__, registration_forms.__name__), (
                    form_class.__name__,
                    field.name,
                    type(field.widget),
                )


def test_the_attribute_writer_matches_wtforms_on_its_own():
    from wtforms.widgets import html_params

    for attributes in [*ATTRIBUTES, {"value": 0}, {"value": None}, {"for_": "x", "data_a_b": 1}]:
        assert str(fast.html_attributes(**attributes)) == str(html_params(**attributes))
