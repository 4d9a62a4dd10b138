"""The expense claim form: the claim and its lines (a modelcluster formset, held in memory until
the service saves them together), one optional receipt file per line."""
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet, ClusterForm

from .models import ExpenseClaim, ExpenseLine
from .services import expenses

MAX_LINES = 50


class ExpenseLineForm(forms.ModelForm):
    # Empty files reach clean_receipt_file, whose message names the file.
    receipt_file = forms.FileField(label=_("Receipt"), required=False, allow_empty_file=True)
    remove_receipt = forms.BooleanField(label=_("Remove the receipt"), required=False)

    class Meta:
        model = ExpenseLine
        fields = ["spent_on", "category", "description", "amount"]
        widgets = {
            "spent_on": forms.DateInput(attrs={"type": "date"}),
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
        }
        error_messages = {
            "spent_on": {"required": _("Enter the date of the expense.")},
            "description": {"required": _("Describe the expense.")},
            "amount": {"required": _("Enter the amount.")},
        }

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < Decimal("0.01"):
            raise ValidationError(_("The amount must be more than 0 yuan."))
        return amount

    def clean_receipt_file(self):
        upload = self.cleaned_data.get("receipt_file")
        if upload:
            expenses.check_receipt(upload)
        return upload

    def save(self, commit=True):
        if self.cleaned_data.get("remove_receipt") and not self.cleaned_data.get("receipt_file"):
            self.instance.receipt = None  # the document itself stays: older versions refer to it
        return super().save(commit=commit)


class ExpenseLineFormSet(BaseChildFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # the lines' own messages say what to fix
        kept = [form for form in self.forms
                if (form.instance.pk or form.has_changed()) and not self._should_delete_form(form)]
        if not kept:
            raise ValidationError(_("Add at least one expense line."))


class ExpenseClaimForm(ClusterForm):
    # Identifies this filled-in form: sent twice (a double click), it makes one claim.
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ExpenseClaim
        fields = ["title", "purpose"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"title": {"required": _("Give the claim a subject.")}}
        formsets = {"lines": {
            "form": ExpenseLineForm, "formset": ExpenseLineFormSet,
            "fields": ["spent_on", "category", "description", "amount"],
            "extra": 1, "can_delete": True, "max_num": MAX_LINES, "validate_max": True,
        }}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_token"] = uuid.uuid4().hex

    @property
    def lines(self):
        return self.formsets["lines"]

    def receipts(self):
        """(line, uploaded file) for the kept lines that got a new receipt."""
        return [(form.instance, form.cleaned_data["receipt_file"]) for form in self.lines.forms
                if form.cleaned_data.get("receipt_file") and not self.lines._should_delete_form(form)]
