"""Forms of Q&A. They only read input; the rules (and what counts as empty) are in services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import DimensionNode
from knowledge.services.dimensions import labels
from knowledge.widgets import NodePicker

from .services.promotion import TARGETS


class TokenMixin(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


def _node_field(form):
    nodes = DimensionNode.objects.active()
    node_labels = labels(nodes)
    field = forms.ModelMultipleChoiceField(
        nodes, label=_("Product and topic"), required=False, widget=NodePicker,
        help_text=_("The experts of these nodes are asked to answer."))
    field.label_from_instance = lambda node: node_labels.get(node.pk) or str(node)
    form.fields["nodes"] = field


class QuestionForm(TokenMixin):
    title = forms.CharField(label=_("Your question"), max_length=255,
                            error_messages={"required": _("Please write your question.")},
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    body = forms.CharField(label=_("Details"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("What you tried, the model or order number, what you expected."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _node_field(self)


class AnswerForm(TokenMixin):
    body = forms.CharField(label=_("Your answer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": _("Please write your answer.")})


class CommentForm(TokenMixin):
    body = forms.CharField(label=_("Comment"), max_length=20000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Please write your comment.")})
    answer = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EditForm(forms.Form):
    """The text of an answer or comment, and the version it was opened at."""

    body = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": _("The text cannot be empty.")})
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PromoteForm(forms.Form):
    answer = forms.IntegerField(widget=forms.HiddenInput)
    target = forms.ChoiceField(label=_("Make it"), choices=list(zip(TARGETS, [_("an FAQ entry"), _("an article")])))
    space = forms.TypedChoiceField(label=_("in the space"), coerce=int)

    def __init__(self, spaces, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spaces = {space.pk: space for space in spaces}
        self.fields["space"].choices = [(space.pk, space.title) for space in spaces]

    def chosen_space(self):
        return self.spaces.get(self.cleaned_data["space"])
