"""WTForms fields for the public forms, their HTML written with a plainer attribute writer
(issue 12, docs/performance.md: The form page).

WTForms writes each attribute with ``Markup('{k}="{v}"').format(k=k, v=v)``: a
``string.Formatter`` pass and three ``escape`` calls per attribute. On the 研修会議Ⅰ form and
the team application that was about a quarter of the page's CPU. ``html_attributes`` writes
the same bytes with one f-string per attribute. The widgets here are WTForms' own, with the
``html_params`` class attribute WTForms gives its input widgets for overriding (and, for the
text area and the select, whose ``__call__`` reads the module function, that method written
out again); ``tests/core/test_fields.py`` renders every field of the public forms both ways
and compares the HTML.

Import the field classes from here instead of ``wtforms`` in a form that is on the surge path;
the console's forms keep WTForms' own (same HTML, a little more CPU).
"""

from __future__ import annotations

import wtforms
from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets.core import clean_key


def html_attributes(**kwargs) -> Markup:
    """``wtforms.widgets.html_params``, byte for byte: attributes sorted by name, ``class_`` →
    ``class``, ``data_x``/``aria_x`` → ``data-x``/``aria-x``, ``True`` a bare attribute,
    ``False`` left out, every value escaped (``"`` as ``&#34;``, or ``&quot;`` in a value
    that is already ``Markup``)."""
    parts = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            parts.append(key)
        elif value is not False:
            text = str(escape(value)).replace('"', "&quot;")
            parts.append(f'{escape(key)}="{text}"')
    return Markup(" ".join(parts))


def validation_attributes(widget, field, kwargs: dict) -> None:
    """Add the field's flags that the widget writes as attributes (``required``, ``disabled``
    …, WTForms' ``validation_attrs``) to ``kwargs``, unless given."""
    flags = getattr(field, "flags", {})
    for k in dir(flags):
        if k in widget.validation_attrs and k not in kwargs:
            kwargs[k] = getattr(flags, k)


class TextInput(widgets.TextInput):
    html_params = staticmethod(html_attributes)


class EmailInput(widgets.EmailInput):
    html_params = staticmethod(html_attributes)


class HiddenInput(widgets.HiddenInput):
    html_params = staticmethod(html_attributes)


class CheckboxInput(widgets.CheckboxInput):
    html_params = staticmethod(html_attributes)


class RadioInput(widgets.RadioInput):
    html_params = staticmethod(html_attributes)


class NumberInput(widgets.NumberInput):
    html_params = staticmethod(html_attributes)


class TextArea(widgets.TextArea):
    """WTForms' ``TextArea.__call__`` with ``html_attributes``."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        validation_attributes(self, field, kwargs)
        params = html_attributes(name=field.name, **kwargs)
        return Markup(f"<textarea {params}>\r\n{escape(field._value())}</textarea>")


class Select(widgets.Select):
    """WTForms' ``Select`` (``__call__`` and ``render_option``) with ``html_attributes``."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        validation_attributes(self, field, kwargs)
        html = [f"<select {html_attributes(name=field.name, **kwargs)}>"]
        if field.has_groups():
            for group, choices in field._iter_groups_normalized():
                if group is not None:
                    html.append(f"<optgroup {html_attributes(label=group)}>")
                html.extend(self.render_option(choice) for choice in choices)
                if group is not None:
                    html.append("</optgroup>")
        else:
            html.extend(self.render_option(choice) for choice in field._iter_choices_normalized())
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def render_option(cls, choice, **kwargs) -> Markup:
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        options = {"value": value, **(choice.render_kw or {}), **kwargs}
        if choice.selected:
            options["selected"] = True
        label = escape(choice.label or choice.value)
        return Markup(f"<option {html_attributes(**options)}>{label}</option>")


class StringField(wtforms.StringField):
    widget = TextInput()


class EmailField(wtforms.EmailField):
    widget = EmailInput()


class HiddenField(wtforms.HiddenField):
    widget = HiddenInput()


class BooleanField(wtforms.BooleanField):
    widget = CheckboxInput()


class IntegerField(wtforms.IntegerField):
    widget = NumberInput()


class TextAreaField(wtforms.TextAreaField):
    widget = TextArea()


class SelectField(wtforms.SelectField):
    widget = Select()


class RadioField(wtforms.RadioField):
    option_widget = RadioInput()
