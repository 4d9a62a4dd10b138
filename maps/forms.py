from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from knowledge.models import Dimension, DimensionNode

from .models import PositionRequirement


class DimensionForm(forms.ModelForm):
    class Meta:
        model = Dimension
        fields = ["name", "slug", "description", "department"]

    def clean_slug(self):
        return self.cleaned_data["slug"] or slugify(self.data.get("name", ""), allow_unicode=True)[:100]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Left empty, it is made from the name.")
        if departments is not None:  # a department user creates dimensions of their own department
            self.fields["department"].queryset = departments
            self.fields["department"].required = True
            self.fields["department"].empty_label = None


class NodeNameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class NodeTargetForm(forms.Form):
    """The node to move under, or merge into."""

    target = forms.ModelChoiceField(queryset=DimensionNode.objects.active(), label=_("Target"), required=False,
                                    empty_label=_("(top of the dimension)"))


class RequirementForm(forms.ModelForm):
    class Meta:
        model = PositionRequirement
        fields = ["node", "item_key", "level", "note"]
        help_texts = {"item_key": _("Or one item: paste its address, e.g. /research/engine-test/ .")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = DimensionNode.objects.active()
        self.fields["item_key"].label = _("Item")

    def clean(self):
        from search.models import SearchEntry

        data = super().clean()
        item = (data.get("item_key") or "").strip()
        if item and not item.count(":"):  # an address: find the item it names
            entry = SearchEntry.objects.filter(url=item).first() or SearchEntry.objects.filter(url__endswith=item).first()
            if entry is None:
                raise forms.ValidationError(_("No published item has the address %(url)s.") % {"url": item})
            item = entry.key
        data["item_key"] = item
        if bool(data.get("node")) == bool(item):
            raise forms.ValidationError(_("Choose either a dimension node or one item."))
        return data
