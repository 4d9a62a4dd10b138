from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KnowledgeSpacePage


class ZipImportForm(forms.Form):
    archive = forms.FileField(label=_("Zip file"), help_text=_("Folders inside the zip become categories."))
    space = forms.ModelChoiceField(queryset=KnowledgeSpacePage.objects.all(), label=_("Space"))
    category = forms.CharField(
        label=_("Category"), required=False, max_length=255,
        help_text=_("Optional parent category, e.g. 研发管理/历史资料"),
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Upload a .zip file."))
        return archive
