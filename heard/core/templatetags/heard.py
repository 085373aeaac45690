"""Template helpers for Heard's components."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


def _described_by(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_hint")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.simple_tag
def field_described_by(field: BoundField) -> str:
    return _described_by(field)


@register.simple_tag
def render_widget(field: BoundField) -> SafeString:
    """Render the input with its hint and error linked by aria-describedby, and aria-invalid."""
    attrs: dict[str, Any] = {}
    described = _described_by(field)
    if field.use_fieldset:
        # The fieldset carries the description; each radio or checkbox only needs its label.
        described = ""
    if described:
        attrs["aria-describedby"] = described
    if field.errors:
        attrs["aria-invalid"] = "true"
    widget = field.field.widget
    if not isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = widget.attrs.get("class", "")
        attrs["class"] = f"{css} input{' input--error' if field.errors else ''}".strip()
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("components/status_tag.html")
def status_tag(label: str, tone: str = "neutral") -> dict[str, str]:
    """A status tag: `tone` is one of neutral, success, warning, error, info."""
    return {"label": label, "tone": tone}


class TableNode(template.Node):
    def __init__(self, caption: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.caption = caption
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        from django.template.loader import render_to_string

        return render_to_string(
            "components/table.html",
            {"caption": self.caption.resolve(context), "body": self.nodelist.render(context)},
        )


@register.tag("table")
def do_table(parser: template.base.Parser, token: template.base.Token) -> TableNode:
    """Every data table: `{% table caption %}<thead>…</thead><tbody>…</tbody>{% endtable %}`.

    The component adds the caption, the scrolling region (named by the caption, reachable by
    keyboard) and the table's styling, so every table reads the same to a screen reader."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% table %} takes one argument: the caption.")
    nodelist = parser.parse(("endtable",))
    parser.delete_first_token()
    return TableNode(parser.compile_filter(bits[1]), nodelist)
