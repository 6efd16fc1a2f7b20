"""The form renderer: Django's own, with the plain input and textarea widgets written in Python.

Profiling the domain page (docs/benchmarks.md) showed about 40 % of its server time in rendering
widget templates: each question has radio buttons or an input, a comment box, an evidence box
and two hidden fields, each a template render with includes. These few templates are written
here as Python string formatting with the same escaping; every other template (error lists,
selects, whole forms) goes to Django's renderer as before. tests/capabilities/test_renderers.py
checks that the output is byte for byte what Django's templates produce.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest

WIDGETS = "django/forms/widgets/"


def _text(value: object) -> str:
    """As ``{{ value|stringformat:'s' }}`` with autoescaping (safe strings stay unescaped): the
    same as ``conditional_escape``, with a fast path for plain strings (most calls)."""
    if type(value) is not str:
        text = value if isinstance(value, str) else str(value)
        if hasattr(text, "__html__"):
            return str(text.__html__())
        value = text
    return html.escape(value)  # what django.utils.html.escape does


def _attrs(attrs: Mapping[str, object]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_text(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/input.html (and text, number, hidden, url, which include it)."""
    value = widget["value"]
    shown = f' value="{_text(value)}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _option(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/input_option.html (radio_option, checkbox_option)."""
    if not widget.get("wrap_label"):
        return _input(widget)
    target = widget["attrs"].get("id")
    label_for = f' for="{_text(target)}"' if target else ""
    # input.html ends with a newline, kept inside the include (the renderer strips only the ends)
    return f"<label{label_for}>{_input(widget)}\n {_text(widget['label'])}</label>"


def _textarea(widget: Mapping[str, Any]) -> str:
    """django/forms/widgets/textarea.html."""
    value = widget["value"]
    body = _text(value) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{body}</textarea>'


FAST: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{
        f"{WIDGETS}{name}.html": _input
        for name in ("input", "text", "number", "hidden", "url", "email")
    },
    **{
        f"{WIDGETS}{name}.html": _option
        for name in ("input_option", "radio_option", "checkbox_option")
    },
    f"{WIDGETS}textarea.html": _textarea,
}


class LeanFormRenderer(DjangoTemplates):
    """Django's default renderer, with the widgets of ``FAST`` rendered without templates."""

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        fast = FAST.get(template_name)
        if fast is not None and "widget" in context:
            return fast(context["widget"])
        return super().render(template_name, context, request)
