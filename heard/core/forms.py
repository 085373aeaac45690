"""Form rendering shared by every app: Django renders every form field with Heard's component."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting


class HeardFormRenderer(TemplatesSetting):
    """`{{ form }}` renders with `components/form_fields.html`, so every form gets labels, hints,
    errors beside the field and `aria-describedby` wiring without each template repeating it."""

    form_template_name = "components/form_fields.html"
    field_template_name = "components/field.html"


def add_validation_errors(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message beside its field when the
    service named one the form has, otherwise at the top (in the error summary)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
