"""Knowledge maps (global, node, experts, positions, person) and dimension management."""
import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledge.models import Dimension, DimensionNode
from knowledge.services import dimensions
from knowledge.services.dimensions import DimensionError
from portal.models import Department, Position

from . import services
from .forms import DimensionForm, NodeNameForm, NodeTargetForm, RequirementForm
from .models import PositionRequirement


def global_map(request):
    tree = services.map_tree(request.user)
    return TemplateResponse(request, "maps/global.html", {"tree": tree, "tree_json": json.dumps(tree)})


def node_detail(request, node_id):
    node = get_object_or_404(DimensionNode.objects.select_related("dimension"), pk=node_id)
    if node.merged_into_id:
        return redirect("maps:node", node.resolved().pk)
    children = list(node.get_children().active())
    stock = services.node_stock(request.user, [node.pk, *(c.pk for c in children)])
    entries = Paginator(services.node_entries(request.user, node), 20).get_page(request.GET.get("page"))
    return TemplateResponse(request, "maps/node.html", {
        "node": node, "label": dimensions.labels([node])[node.pk], "ancestors": node.get_ancestors(),
        "stock": stock.get(node.pk, services.Stock()),
        "children": [(child, stock.get(child.pk, services.Stock())) for child in children],
        "entries": entries, "experts": services.experts(request.user, node),
        "can_manage": dimensions.can_manage(request.user, node.dimension),
    })


def expert_map(request):
    """The top people of every node of the first two levels."""
    rows = []
    nodes = DimensionNode.objects.active().filter(depth__lte=2).select_related("dimension")
    labels = dimensions.labels(nodes)
    for node in nodes:
        found = services.experts(request.user, node, limit=3)
        if found:
            rows.append((node, labels[node.pk], found))
    return TemplateResponse(request, "maps/experts.html", {"rows": rows})


def position_map(request):
    topics, rows = services.position_rows(request.user)
    return TemplateResponse(request, "maps/positions.html", {
        "topics": topics, "rows": rows, "can_edit": request.user.has_perm(services.MANAGE_REQUIREMENTS),
    })


def position_edit(request, position_id):
    if not request.user.has_perm(services.MANAGE_REQUIREMENTS):
        raise PermissionDenied
    position = get_object_or_404(Position, pk=position_id)
    form = RequirementForm(request.POST or None, instance=PositionRequirement(position=position))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The requirement has been added."))
        return redirect("maps:position_edit", position.pk)
    requirements = list(position.requirements.select_related("node"))
    topics = services.topics_for(request.user, requirements)
    return TemplateResponse(request, "maps/position_edit.html", {
        "position": position, "form": form,
        "requirements": [(r, topics[r.topic_key]) for r in requirements],
    })


@require_POST
def requirement_delete(request, requirement_id):
    if not request.user.has_perm(services.MANAGE_REQUIREMENTS):
        raise PermissionDenied
    requirement = get_object_or_404(PositionRequirement, pk=requirement_id)
    requirement.delete()
    messages.success(request, _("The requirement has been removed."))
    return redirect("maps:position_edit", requirement.position_id)


def person_map(request, username=None):
    person = get_object_or_404(get_user_model(), username=username) if username else request.user
    if not services.can_view_person(request.user, person):
        raise PermissionDenied
    position, topics = services.person_map(person)
    return TemplateResponse(request, "maps/person.html", {"person": person, "position": position, "topics": topics})


# Dimension management (KB-05).

def dimension_list(request):
    if not dimensions.can_manage(request.user):
        raise PermissionDenied
    manageable = dimensions.manageable_dimensions(request.user)
    departments = None
    if not request.user.has_perm(dimensions.MANAGE_ALL):
        departments = Department.objects.filter(pk=dimensions.user_department_id(request.user))
    form = DimensionForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        dimension = form.save(commit=False)
        dimension.created_by = request.user
        dimension.save()
        messages.success(request, _("The dimension %(name)s has been created.") % {"name": dimension.name})
        return redirect("maps:dimension", dimension.pk)
    return TemplateResponse(request, "maps/dimensions.html", {"dimensions": manageable, "form": form})


def _manageable(request, dimension_id):
    dimension = get_object_or_404(Dimension, pk=dimension_id)
    if not dimensions.can_manage(request.user, dimension):
        raise PermissionDenied
    return dimension


def dimension_detail(request, dimension_id):
    dimension = _manageable(request, dimension_id)
    nodes = list(DimensionNode.objects.active().filter(dimension=dimension).order_by("path"))
    stock = services.node_stock(request.user, [n.pk for n in nodes])
    targets = DimensionNode.objects.active().filter(dimension__in=dimensions.manageable_dimensions(request.user))
    target_labels = sorted(dimensions.labels(targets).items(), key=lambda item: item[1])
    return TemplateResponse(request, "maps/dimension_detail.html", {
        "dimension": dimension, "nodes": [(n, stock.get(n.pk, services.Stock())) for n in nodes],
        "targets": target_labels, "name_form": NodeNameForm(),
    })


@require_POST
def node_action(request, dimension_id, action, node_id=None):
    """Add, rename, move, merge or delete a node; every outcome is a message on the tree page."""
    dimension = _manageable(request, dimension_id)
    node = get_object_or_404(DimensionNode, pk=node_id, dimension=dimension) if node_id else None
    name_form, target_form = NodeNameForm(request.POST), NodeTargetForm(request.POST)
    try:
        if action == "add":
            if not name_form.is_valid():
                raise DimensionError(_("A node needs a name of at most 100 characters."))
            added = dimensions.add_node(request.user, dimension, name_form.cleaned_data["name"], parent=node)
            messages.success(request, _("%(name)s has been added.") % {"name": added.name})
        elif action == "rename":
            if not name_form.is_valid():
                raise DimensionError(_("A node needs a name of at most 100 characters."))
            dimensions.rename_node(request.user, node, name_form.cleaned_data["name"])
            messages.success(request, _("The node has been renamed."))
        elif action in ("move", "merge"):
            if not target_form.is_valid():
                raise DimensionError(_("Choose a node that still exists."))
            target = target_form.cleaned_data["target"]
            if action == "move":
                dimensions.move_node(request.user, node, target)
                messages.success(request, _("The node has been moved with everything in it."))
            else:
                if target is None:
                    raise DimensionError(_("Choose the node to merge into."))
                dimensions.merge_nodes(request.user, node, target)
                messages.success(request, _("The nodes have been merged; their items are all in %(name)s.")
                                 % {"name": target.name})
        elif action == "delete":
            dimensions.delete_node(request.user, node)
            messages.success(request, _("The node has been deleted."))
        else:
            raise DimensionError(_("Unknown action."))
    except DimensionError as error:
        messages.error(request, str(error))
    except IntegrityError:
        messages.error(request, _("Someone changed this dimension at the same time; look again and retry."))
    return redirect("maps:dimension", dimension.pk)
