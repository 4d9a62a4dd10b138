from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .models import Anthology, FavouriteFolder, Visibility, WorkLogEntry


class FolderForm(forms.ModelForm):
    class Meta:
        model = FavouriteFolder
        fields = ["name", "sort_order"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = FavouriteFolder.objects.filter(user=self.user, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("You already have a folder of this name."))
        return name


def shareable_groups(user):
    """The groups someone may share with: their own (superusers: all)."""
    return Group.objects.all() if user.is_superuser else user.groups.all()


class AnthologyForm(forms.ModelForm):
    class Meta:
        model = Anthology
        fields = ["title", "description", "visibility", "groups"]
        widgets = {"visibility": forms.RadioSelect, "groups": forms.CheckboxSelectMultiple,
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = shareable_groups(user).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("visibility") == Visibility.GROUPS and not data.get("groups"):
            self.add_error("groups", _("Choose at least one group to share with."))
        if data.get("visibility") != Visibility.GROUPS:
            data["groups"] = []
        return data


class WorkLogEntryForm(forms.ModelForm):
    links = forms.MultipleChoiceField(label=_("Linked items"), required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WorkLogEntry
        fields = ["date", "title", "body", "experience"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "body": forms.Textarea(attrs={"rows": 5}), "experience": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, link_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["links"].choices = list(link_choices)
        if self.instance.pk:
            self.fields["links"].initial = list(self.instance.links.values_list("key", flat=True))


class HandoverForm(forms.Form):
    from_user = forms.ModelChoiceField(label=_("Leaving employee"), queryset=get_user_model().objects.none())
    to_user = forms.ModelChoiceField(label=_("Successor"), queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.order_by("username")
        self.fields["from_user"].queryset = users
        self.fields["to_user"].queryset = users.filter(is_active=True)
        for field in self.fields.values():
            field.label_from_instance = lambda u: f"{u.get_full_name() or u.get_username()} ({u.get_username()})"

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            raise forms.ValidationError(_("The successor must be someone else."))
        return data
