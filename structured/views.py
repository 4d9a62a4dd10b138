"""Portal views of structured knowledge: the forms, their designer, the table of items with
its Excel export, and publishing an item. Rules live in ``services``."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


from .forms import FieldFormSet, FilterForm, ItemForm, StructuredFormForm
from .models import StructuredForm, StructuredItemPage
from .services import items as item_rules
from .services.design import save_design
from .services.export import workbook
from .services.values import Resolver

PER_PAGE = 25


def _form_or_404(request, form_id):
    """A form whose space the user may read; any other is as good as absent."""
    return get_object_or_404(item_rules.usable_forms(request.user).prefetch_related("fields"), pk=form_id)


@require_GET
def form_list(request):
    forms = list(item_rules.usable_forms(request.user).order_by("space__title", "name"))
    for structured_form in forms:
        structured_form.user_can_add = item_rules.can_add_items(structured_form, request.user)
        structured_form.user_can_design = item_rules.can_design(request.user, structured_form)
    return TemplateResponse(request, "structured/form_list.html", {
        "forms": forms, "can_create": item_rules.can_design(request.user),
    })


def _designer(request, structured_form):
    data = request.POST if request.method == "POST" else None
    form_form = StructuredFormForm(data, instance=structured_form, user=request.user)
    formset = FieldFormSet(data, instance=structured_form, prefix="fields")
    if request.method == "POST" and form_form.is_valid() and formset.is_valid():
        saved = save_design(form_form, formset, request.user)
        messages.success(request, _("The form “%(name)s” was saved.") % {"name": saved.name})
        return redirect("structured:table", saved.pk)
    return TemplateResponse(request, "structured/form_design.html", {
        "structured_form": structured_form, "form": form_form, "formset": formset,
        "has_items": formset.has_items,
    })


def form_create(request):
    if not item_rules.can_design(request.user):
        raise PermissionDenied
    return _designer(request, StructuredForm())


def form_design(request, form_id):
    structured_form = _form_or_404(request, form_id)
    if not item_rules.can_design(request.user, structured_form):
        raise PermissionDenied
    return _designer(request, structured_form)


def _table(request, structured_form):
    """The active fields, the filter form, and the filtered and sorted items the user may read."""
    fields = structured_form.active_fields
    filter_form = FilterForm(structured_form, request.GET)
    resolver = Resolver(viewer=request.user)
    items = item_rules.apply_filters(
        item_rules.items_of(structured_form, request.user), structured_form, filter_form.filters())
    items, sort = item_rules.sort_items(items, structured_form, request.GET.get("sort", "-updated"), resolver)
    return fields, filter_form, items, sort, resolver


def _columns(fields, sort):
    """(label, sort name of a click: ascending first, descending when already ascending, arrow)."""
    columns = []
    for label, name in [(_("Title"), "title"), *[(f.label, f"f_{f.key}") for f in fields],
                        (_("Updated"), "updated")]:
        arrow = "▲" if sort == name else "▼" if sort == f"-{name}" else ""
        columns.append((label, f"-{name}" if sort == name else name, arrow))
    return columns


@require_GET
def table(request, form_id):
    structured_form = _form_or_404(request, form_id)
    fields, filter_form, items, sort, resolver = _table(request, structured_form)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    filters_by_key = filter_form.by_field()
    return TemplateResponse(request, "structured/table.html", {
        "structured_form": structured_form,
        "fields": fields,
        "filter_form": filter_form,
        "filter_fields": [(f, filters_by_key.get(f.key, [])) for f in fields if f.key in filters_by_key],
        "columns": _columns(fields, sort),
        "rows": item_rules.table_rows(page.object_list, fields, request.user, resolver),
        "page_obj": page,
        "can_add": item_rules.can_add_items(structured_form, request.user),
        "can_design": item_rules.can_design(request.user, structured_form),
    })


@require_GET
def export(request, form_id):
    structured_form = _form_or_404(request, form_id)
    fields, _filter_form, items, _sort, _resolver = _table(request, structured_form)
    content = workbook(structured_form, fields, items, request.user, request.build_absolute_uri)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"{structured_form.name}.xlsx")
    return response


def _item_editor(request, structured_form, item=None):
    item_form = ItemForm(structured_form, request.user, request.POST if request.method == "POST" else None,
                         item=item)
    if request.method == "POST" and item_form.is_valid():
        arguments = (request.user, item_form.cleaned_data["title"], item_form.values(),
                     item_form.cleaned_data["nodes"])
        if item is None:
            saved = item_rules.create_item(structured_form, *arguments)
            messages.success(request, _("“%(title)s” was published.") % {"title": saved.title})
        else:
            saved = item_rules.update_item(item, *arguments)
            messages.success(request, _("A new version of “%(title)s” was published.") % {"title": saved.title})
        return redirect(saved.url)
    return TemplateResponse(request, "structured/item_form.html", {
        "structured_form": structured_form, "form": item_form, "item": item,
    })


def item_create(request, form_id):
    structured_form = _form_or_404(request, form_id)
    if not item_rules.can_add_items(structured_form, request.user):
        raise PermissionDenied
    return _item_editor(request, structured_form)


def item_edit(request, item_id):
    item = get_object_or_404(StructuredItemPage.objects.live().readable_by(request.user), pk=item_id)
    if not item_rules.can_edit_item(item, request.user):
        raise PermissionDenied
    return _item_editor(request, item.form, item=item)
