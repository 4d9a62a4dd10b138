from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Dimension, KnowledgeSpacePage


class ZipImportForm(forms.Form):
    archive = forms.FileField(label=_("Zip file"), help_text=_("Folders inside the zip become nodes of the dimension."))
    space = forms.ModelChoiceField(queryset=KnowledgeSpacePage.objects.all(), label=_("Space"))
    dimension = forms.ModelChoiceField(
        queryset=Dimension.objects.all(), label=_("Dimension"), required=False,
        help_text=_("Where the folders are filed; by default the Category dimension."),
    )
    node = forms.CharField(
        label=_("Parent node"), required=False, max_length=255,
        help_text=_("Optional parent node path, e.g. 研发管理/历史资料"),
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Upload a .zip file."))
        return archive
