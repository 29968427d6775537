"""Every form class of the app (found by walking wtforms.Form's subclasses, so a form added later
is covered): each text field has a maximum length, each number a range, and every message a
person can get from it is Japanese."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields import (
    DateTimeField,
    DecimalField,
    FloatField,
    IntegerField,
    StringField,
)
from wtforms.validators import Length

from app.core.forms import InRange, all_fields

JAPANESE = re.compile(r"[ぁ-んァ-ヶ一-龠]")


def _app_forms(app) -> list[type[Form]]:
    seen, stack = [], list(Form.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("app.") and cls not in seen:
            seen.append(cls)
    return seen


def test_every_text_field_is_bounded_and_every_number_has_a_range(app):
    forms = _app_forms(app)
    assert len(forms) >= 20
    unbounded = []
    with app.test_request_context("/", method="POST"):
        for cls in forms:
            form = cls(formdata=None)
            for field in all_fields(form):
                if isinstance(field, StringField):
                    if not any(isinstance(v, Length) and v.max > 0 for v in field.validators):
                        unbounded.append(f"{cls.__module__}.{cls.__name__}.{field.name}")
                elif isinstance(field, IntegerField | FloatField | DecimalField):
                    ranged = [v for v in field.validators if isinstance(v, InRange)]
                    if not ranged:
                        unbounded.append(f"{cls.__module__}.{cls.__name__}.{field.name} (range)")
    assert unbounded == []


def test_every_message_of_every_form_is_japanese(app):
    messages = set()
    with app.test_request_context("/", method="POST"):
        for cls in _app_forms(app):
            empty = cls(formdata=None)
            data = MultiDict()
            for field in all_fields(empty):
                if isinstance(field, IntegerField | FloatField | DecimalField):
                    data[field.name] = "9" * 400
                elif isinstance(field, DateTimeField):
                    data[field.name] = "not a date"
                elif isinstance(field, StringField):
                    data[field.name] = "x\x01" + "長" * 100_000
                else:
                    data[field.name] = "no-such-choice"
            for formdata in (data, MultiDict({"unrelated": "1"})):
                form = cls(formdata=formdata)
                for field in all_fields(form):  # choices a view fills at run time
                    if getattr(field, "choices", ()) is None:
                        field.choices = []
                form.validate()
                for field in all_fields(form):
                    messages.update(e for e in field.errors if isinstance(e, str))
                messages.update(getattr(form, "form_errors", []))
    assert len(messages) >= 30
    english = sorted(m for m in messages if not JAPANESE.search(m))
    assert english == []
