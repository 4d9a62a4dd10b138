"""Saving a form's design so that the items already published through it stay valid: a field
removed from a form with items is retired instead of deleted, and the items are re-indexed
(their labels and fields are part of what search finds)."""
from django.db import transaction

from search.index import queue_update

from ..models import StructuredItemPage


@transaction.atomic
def save_design(form_form, formset, user):
    """Save a valid designer form and its field formset; returns the StructuredForm."""
    structured_form = form_form.save(commit=False)
    if structured_form.pk is None:
        structured_form.created_by = user
    structured_form.save()
    formset.instance = structured_form
    has_items = structured_form.has_items()
    for field in formset.save(commit=False):
        field.form = structured_form
        field.save()
    for field in formset.deleted_objects:
        if has_items:
            field.retired = True
            field.save(update_fields=["retired"])
        else:
            field.delete()
    structured_form.save()  # updated_at: the design changed
    for item in StructuredItemPage.objects.filter(form=structured_form).live():
        queue_update(item)
    return structured_form
