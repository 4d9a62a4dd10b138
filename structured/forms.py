"""Forms of the portal: the form designer, an item's form built from its definition, and the
table's filters."""
from django import forms
from django.forms import inlineformset_factory
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from knowledge.models import DimensionNode
from knowledge.services.dimensions import labels
from knowledge.widgets import NodePicker

from .models import CHOICE_TYPES, FieldType, FormField, StructuredForm
from .services.items import readable_spaces
from .services.values import PersonChoiceField, active_users, initial_value, input_field, stored_text


class StructuredFormForm(forms.ModelForm):
    class Meta:
        model = StructuredForm
        fields = ["name", "description", "space"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = readable_spaces(user).order_by("title")
        if self.instance.pk and self.instance.has_items():
            self.fields["space"].disabled = True
            self.fields["space"].help_text = _("Items were published in this space; it can no longer change.")


class FormFieldForm(forms.ModelForm):
    class Meta:
        model = FormField
        fields = ["sort_order", "label", "key", "field_type", "required", "choices", "help_text", "retired"]
        widgets = {
            "sort_order": forms.NumberInput(attrs={"class": "narrow"}),
            "choices": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, has_items=False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_items and self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("Items store their values under this key; it can no longer change.")

    def has_changed(self):
        # A new row is only a field once it has a label; the other inputs have defaults.
        if not self.instance.pk and not (self.data.get(self.add_prefix("label")) or "").strip():
            return False
        return super().has_changed()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("field_type") in CHOICE_TYPES and not [
            line for line in (cleaned.get("choices") or "").splitlines() if line.strip()
        ]:
            self.add_error("choices", _("List at least one choice, one per line."))
        return cleaned


class BaseFieldFormSet(forms.BaseInlineFormSet):
    """Checks keys across rows and makes the missing ones from the labels."""

    def __init__(self, *args, **kwargs):
        self.has_items = kwargs["instance"].pk is not None and kwargs["instance"].has_items()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "has_items": self.has_items}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i >= self.initial_form_count():  # new fields go after the existing ones
            last = max((f.sort_order for f in self.get_queryset()), default=-1)
            form.initial.setdefault("sort_order", last + 1 + i - self.initial_form_count())
        return form

    def _rows(self):
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (not form.instance.pk and not form.has_changed()):
                continue
            # A deleted field of a form with items is retired, so its key stays taken.
            if self._should_delete_form(form) and not (self.has_items and form.instance.pk):
                continue
            yield form

    def clean(self):
        taken, automatic = {}, []
        for form in self._rows():
            key = form.cleaned_data.get("key")
            if not key:
                if not form.errors:
                    automatic.append(form)
            elif key in taken:
                form.add_error("key", _("Two fields have the key “%(key)s”.") % {"key": key})
            else:
                taken[key] = form
        for form in automatic:
            base = slugify(form.cleaned_data.get("label", ""), allow_unicode=True).replace("-", "_")[:40] or "field"
            key, n = base, 1
            while key in taken:
                n += 1
                key = f"{base}_{n}"
            taken[key] = form
            form.cleaned_data["key"] = form.instance.key = key
        super().clean()


FieldFormSet = inlineformset_factory(
    StructuredForm, FormField, form=FormFieldForm, formset=BaseFieldFormSet, extra=3, can_delete=True,
)


def field_name(field):
    return f"f_{field.key}"


class ItemForm(forms.Form):
    """Title, a field per active field of the form, and dimension nodes."""

    title = forms.CharField(label=_("Title"), max_length=255)

    def __init__(self, structured_form, user, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.structured_form = structured_form
        self.active = structured_form.active_fields
        data = (item.data if item is not None and isinstance(item.data, dict) else {})
        if item is not None:
            self.initial.setdefault("title", item.title)
        for field in self.active:
            form_field = input_field(field, user)
            if field.key in data:
                value, stale = initial_value(field, data[field.key])
                self.initial.setdefault(field_name(field), value)
                if stale:
                    note = _("Stored earlier: “%(value)s” (no longer valid here).") % {
                        "value": stored_text(data[field.key])}
                    form_field.help_text = f"{form_field.help_text} {note}".strip()
            self.fields[field_name(field)] = form_field
        nodes = DimensionNode.objects.active()
        node_labels = labels(nodes)  # in two queries, not two per node
        self.fields["nodes"] = forms.ModelMultipleChoiceField(nodes, label=_("Dimensions"), required=False,
                                                              widget=NodePicker)
        self.fields["nodes"].label_from_instance = lambda node: node_labels.get(node.pk) or str(node)
        if item is not None:
            self.initial.setdefault("nodes", list(item.nodes.all()))

    def values(self):
        return {field.key: self.cleaned_data.get(field_name(field)) for field in self.active}


FILTERED_TYPES = {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.NUMBER, FieldType.DATE, FieldType.CHOICE,
                  FieldType.MULTI_CHOICE, FieldType.PERSON}


class FilterForm(forms.Form):
    """One filter per active field: text contains, a choice equals, a number or date range, a
    person is."""

    def __init__(self, structured_form, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.specs = []  # (form field name, FormField, lookup)
        for field in structured_form.active_fields:
            name, kind = f"f-{field.key}", field.field_type
            if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
                self._add(name, field, "contains", forms.CharField(max_length=255))
            elif kind in CHOICE_TYPES:
                self._add(name, field, "exact", forms.ChoiceField(choices=[("", _("Any"))] + [
                    (c, c) for c in field.choice_list]))
            elif kind == FieldType.PERSON:
                self._add(name, field, "exact", PersonChoiceField(active_users(), empty_label=_("Anyone")))
            elif kind == FieldType.NUMBER:
                self._add(f"{name}-min", field, "gte", forms.DecimalField(label=_("from")))
                self._add(f"{name}-max", field, "lte", forms.DecimalField(label=_("to")))
            elif kind == FieldType.DATE:
                date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                self._add(f"{name}-min", field, "gte", forms.DateField(label=_("from"), widget=date_input))
                self._add(f"{name}-max", field, "lte", forms.DateField(label=_("to"), widget=date_input))

    def _add(self, name, field, lookup, form_field):
        form_field.required = False
        if not form_field.label:
            form_field.label = field.label
        self.fields[name] = form_field
        self.specs.append((name, field, lookup))

    def by_field(self):
        """{field key: [bound fields]} for the table header."""
        grouped = {}
        for name, field, _lookup in self.specs:
            grouped.setdefault(field.key, []).append(self[name])
        return grouped

    def filters(self):
        """[(FormField, lookup, value)] of the valid, non-empty filters (invalid ones are shown
        with their error and ignored)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        result = []
        for name, field, lookup in self.specs:
            value = cleaned.get(name)
            if value in (None, ""):
                continue
            if field.field_type == FieldType.NUMBER:
                value = float(value) if value != value.to_integral_value() else int(value)
            elif field.field_type == FieldType.DATE:
                value = value.isoformat()
            elif field.field_type == FieldType.PERSON:
                value = value.pk
            result.append((field, lookup, value))
        return result
