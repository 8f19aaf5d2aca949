"""Admin widgets of the CRM: a contact's custom fields as name/value rows."""

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.template import loader
from django.utils.safestring import mark_safe

from core import json_safety
from crm.custom_fields import MAX_FIELDS, MAX_KEY_LENGTH

# Rows offered below the filled ones, so a new field can be typed without the script.
BLANK_ROWS = 1


@dataclass
class CustomFieldRow:
    """One name/value row as typed (both texts), with what is wrong with it."""

    name: str
    value: str
    error: str = ""


def value_to_text(value: Any) -> str:
    """Show a stored value as it is typed back: text as is, anything else as JSON.

    Text that would read back as a number, true/false or null is shown in JSON quotes
    ("007" stays text), so that saving a page unchanged stores exactly what was there.
    """
    if isinstance(value, str):
        try:
            json_safety.loads(value)
        except ValueError:
            return value
        return json.dumps(value)
    return json.dumps(value)


def text_to_value(text: str) -> Any:
    """Read a typed value: a JSON number, true/false, null or "quoted text"; else the text."""
    text = text.strip()
    try:
        value = json_safety.loads(text)  # depth-limited: a deep array stays text
    except ValueError:
        return text
    return value if isinstance(value, str | int | float | bool) or value is None else text


def check_rows(rows: list[CustomFieldRow]) -> list[CustomFieldRow]:
    """Mark each row with its problem (if any); blank rows are dropped."""
    rows = [row for row in rows if row.name.strip() or row.value.strip()]
    seen: set[str] = set()
    for row in rows:
        name = row.name.strip()
        if not name:
            row.error = "This value needs a name."
        elif len(name) > MAX_KEY_LENGTH:
            row.error = f"Names are at most {MAX_KEY_LENGTH} characters."
        elif name in seen:
            row.error = f"“{name}” is already used above."
        elif json_safety.unsafe_string_path([name, text_to_value(row.value)]) is not None:
            row.error = json_safety.UNSAFE_MESSAGE
        seen.add(name)
    if len(rows) > MAX_FIELDS:
        for row in rows[MAX_FIELDS:]:
            row.error = row.error or f"At most {MAX_FIELDS} custom fields are allowed."
    return rows


class CustomFieldsWidget(forms.Widget):
    """Name/value rows for a JSON object; static/admin_workspace/custom_fields.js adds rows."""

    template_name = "admin/crm/widgets/custom_fields.html"

    class Media:
        js = ["admin_workspace/custom_fields.js"]
        css = {"all": ["admin_workspace/contact.css"]}

    def value_from_datadict(self, data, files, name) -> list[CustomFieldRow] | None:
        # The marker tells "every row removed" apart from "the field was not on the page".
        if f"{name}-rows" not in data:
            return None
        names = data.getlist(f"{name}-name")
        values = data.getlist(f"{name}-value")
        values += [""] * (len(names) - len(values))
        return [CustomFieldRow(name=n, value=v) for n, v in zip(names, values, strict=False)]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return f"{name}-rows" not in data

    def format_value(self, value) -> list[CustomFieldRow]:
        if value is None or value == "":
            return []
        if isinstance(value, list):  # rows as posted: show them with their problems
            return check_rows([CustomFieldRow(row.name, row.value) for row in value])
        if isinstance(value, str):  # the form's initial value arrives as JSON text
            try:
                value = json_safety.loads(value)
            except ValueError:
                return []
        if not isinstance(value, dict):
            return []
        return [CustomFieldRow(name=str(k), value=value_to_text(v)) for k, v in value.items()]

    def _render(self, template_name, context, renderer=None):
        # The template lives with the admin's (templates/admin/crm/), which the project's
        # template engine finds; the default form renderer only looks inside apps.
        return mark_safe(loader.render_to_string(template_name, context))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["rows"] = self.format_value(value)
        context["widget"]["blank_rows"] = range(BLANK_ROWS)
        return context


class CustomFieldsField(forms.Field):
    """A JSON object edited as rows; a bad row is reported on that row and above the table."""

    widget = CustomFieldsWidget

    def __init__(self, *, encoder=None, decoder=None, **kwargs):
        # Accepts (and ignores) what the model's JSONField passes to its form field.
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value

    def to_python(self, value) -> dict[str, Any]:
        if value in (None, ""):
            return {}
        if isinstance(value, dict):
            return value
        rows = check_rows([CustomFieldRow(row.name, row.value) for row in value])
        problems = [row for row in rows if row.error]
        if problems:
            raise forms.ValidationError(
                [f"{row.name.strip() or 'A row'}: {row.error}" for row in problems],
                code="invalid_rows",
            )
        return {row.name.strip(): text_to_value(row.value) for row in rows}

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != (initial if isinstance(initial, dict) else {})
        except forms.ValidationError:
            return True
