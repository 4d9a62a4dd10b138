"""Forms of the FAQ admin: uploading a file to import, choosing what to export."""
from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import Audience, KnowledgeSpacePage

from .services.entries import spaces_for_adding
from .services.transfer import ImportRefused, check_size, export_formats


class FAQImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV with the columns 问题 (question), 相似问法 (alternative phrasings, one per "
                    "line or separated by |), 答案 (answer), 分类 (category, e.g. 客户服务/常见问题; several separated "
                    "by ;) and 受众 (audience: 内部 or 公开)."),
    )
    space = forms.ModelChoiceField(queryset=KnowledgeSpacePage.objects.none(), label=_("Space"),
                                   help_text=_("Spaces where you may add and publish entries."))
    audience = forms.ChoiceField(label=_("Default audience"), choices=Audience.choices, initial=Audience.INTERNAL,
                                 help_text=_("For rows that name no audience."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spaces = spaces_for_adding(user)
        self.fields["space"].queryset = KnowledgeSpacePage.objects.filter(pk__in=[s.pk for s in self.spaces]) \
            .order_by("title")
        if len(self.spaces) == 1:
            self.fields["space"].initial = self.spaces[0].pk

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            check_size(uploaded.size)
        except ImportRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return uploaded


class FAQExportForm(forms.Form):
    space = forms.ModelChoiceField(queryset=KnowledgeSpacePage.objects.none(), label=_("Space"), required=False,
                                   empty_label=_("All spaces"))
    format = forms.ChoiceField(label=_("File format"), choices=export_formats, initial="xlsx")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = KnowledgeSpacePage.objects.live().readable_by(user).order_by("title")
