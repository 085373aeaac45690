"""Form rendering shared by every app: Django renders every form field with Heard's component."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class HeardFormRenderer(TemplatesSetting):
    """`{{ form }}` renders with `components/form_fields.html`, so every form gets labels, hints,
    errors beside the field and `aria-describedby` wiring without each template repeating it."""

    form_template_name = "components/form_fields.html"
    field_template_name = "components/field.html"
