"""Business rules of dimensions (KB-05): who may edit them, labels, rename, move and merge
without losing assignments, and the items in a node's subtree."""
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Dimension, DimensionNode

MANAGE_ALL = "knowledge.change_dimension"
MANAGE_DEPARTMENT = "knowledge.manage_department_dimensions"


class DimensionError(Exception):
    """A change to a dimension that is not allowed (message for the user)."""


def user_department_id(user):
    profile = getattr(user, "profile", None)
    return getattr(profile, "department_id", None)


def can_manage(user, dimension=None):
    """Knowledge managers manage every dimension; authorised department users those of their
    own department (and may create new ones for it)."""
    if not user.is_authenticated:
        return False
    if user.has_perm(MANAGE_ALL):
        return True
    if not user.has_perm(MANAGE_DEPARTMENT) or user_department_id(user) is None:
        return False
    return dimension is None or dimension.department_id == user_department_id(user)


def manageable_dimensions(user):
    if user.has_perm(MANAGE_ALL):
        return Dimension.objects.all()
    if can_manage(user):
        return Dimension.objects.filter(department_id=user_department_id(user))
    return Dimension.objects.none()


def _ancestor_paths(path):
    step = DimensionNode.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def labels(nodes, with_dimension=True):
    """{node pk: "维度 / 父节点 / 节点"} for many nodes in two queries."""
    nodes = list(nodes)
    paths = {p for node in nodes for p in _ancestor_paths(node.path)}
    names = dict(DimensionNode.objects.filter(path__in=paths).values_list("path", "name"))
    dimensions = dict(Dimension.objects.filter(pk__in={n.dimension_id for n in nodes}).values_list("pk", "name"))
    result = {}
    for node in nodes:
        parts = [names.get(p, "?") for p in _ancestor_paths(node.path)]
        if with_dimension:
            parts.insert(0, dimensions.get(node.dimension_id, ""))
        result[node.pk] = " / ".join(parts)
    return result


def with_ancestors(nodes):
    """The nodes and all their ancestors (an item in 柴油机 is also in 发动机)."""
    paths = {p for node in nodes for p in _ancestor_paths(node.path)}
    return DimensionNode.objects.filter(path__in=paths) if paths else DimensionNode.objects.none()


def subtree(node):
    return DimensionNode.objects.filter(path__startswith=node.path)


def item_relations():
    """The item–node tables of every model whose items sit in dimension nodes (articles,
    documents, structured items...), as (through model, item field name)."""
    relations = []
    for relation in DimensionNode._meta.related_objects:
        if relation.many_to_many:
            through = relation.through
            item_field = next(f.name for f in through._meta.get_fields()
                              if getattr(f, "many_to_one", False) and f.related_model is not DimensionNode)
            relations.append((through, item_field))
    return relations


def has_items(node):
    nodes = subtree(node)
    return any(through.objects.filter(dimensionnode__in=nodes).exists() for through, _field in item_relations())


def _require(user, dimension):
    if not can_manage(user, dimension):
        raise DimensionError(_("You may not change the dimension %(name)s.") % {"name": dimension.name})


def _check_name(name, siblings, exclude=None):
    name = (name or "").strip()
    if not name:
        raise DimensionError(_("A node needs a name."))
    if len(name) > 100:
        raise DimensionError(_("A node name has at most 100 characters."))
    clash = siblings.filter(name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise DimensionError(_("There is already a node named %(name)s here.") % {"name": name})
    return name


def add_node(user, dimension, name, parent=None):
    _require(user, dimension)
    siblings = parent.get_children() if parent else dimension.roots()
    name = _check_name(name, siblings.active())
    if parent is not None:
        return parent.add_child(dimension=dimension, name=name)
    return DimensionNode.add_root(dimension=dimension, name=name)


def rename_node(user, node, name):
    _require(user, node.dimension)
    siblings = node.get_siblings().active().filter(dimension=node.dimension)
    node.name = _check_name(name, siblings, exclude=node)
    node.save(update_fields=["name"])
    _reindex_subtree(node)
    return node


@transaction.atomic
def move_node(user, node, target=None):
    """Move ``node`` with its subtree under ``target`` (None: to the top of its dimension).
    Assignments point at the nodes, not their paths, so they all stay."""
    node = DimensionNode.objects.get(pk=node.pk)
    target = DimensionNode.objects.get(pk=target.pk) if target is not None else None
    _require(user, node.dimension)
    if target is not None:
        _require(user, target.dimension)
        if target.path.startswith(node.path):
            raise DimensionError(_("A node cannot be moved into itself or below itself."))
        if target.merged_into_id:
            raise DimensionError(_("That node was merged into another one."))
    siblings = target.get_children() if target else DimensionNode.get_root_nodes().filter(dimension=node.dimension)
    _check_name(node.name, siblings.active(), exclude=node)
    if target is None:
        node.move(DimensionNode.get_first_root_node(), "sorted-sibling")
    else:
        node.move(target, "sorted-child")
    node.refresh_from_db()
    dimension_id = target.dimension_id if target else node.dimension_id
    subtree(node).exclude(dimension_id=dimension_id).update(dimension_id=dimension_id)
    _reindex_subtree(node)
    return node


@transaction.atomic
def merge_nodes(user, source, target):
    """Merge ``source`` into ``target``: its items move to the target, its children become the
    target's children, and it stays as a pointer to the target (old versions still name it)."""
    # Fresh rows: treebeard decides from numchild and path, which a stale instance gets wrong.
    source, target = DimensionNode.objects.get(pk=source.pk), DimensionNode.objects.get(pk=target.pk)
    _require(user, source.dimension)
    _require(user, target.dimension)
    if source.pk == target.pk or target.path.startswith(source.path):
        raise DimensionError(_("A node cannot be merged into itself or a node below it."))
    if source.merged_into_id or target.merged_into_id:
        raise DimensionError(_("That node was merged already."))
    for through, item_field in item_relations():
        _reassign(through, item_field, source, target)
    for child in list(source.get_children().active()):
        clash = target.get_children().active().filter(name=child.name).first()
        if clash is not None:
            merge_nodes(user, DimensionNode.objects.get(pk=child.pk), clash)
        else:
            DimensionNode.objects.get(pk=child.pk).move(DimensionNode.objects.get(pk=target.pk), "sorted-child")
    target.refresh_from_db()
    subtree(target).exclude(dimension_id=target.dimension_id).update(dimension_id=target.dimension_id)
    source = DimensionNode.objects.get(pk=source.pk)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    DimensionNode.objects.filter(merged_into=source).update(merged_into=target)
    _reindex_subtree(target)
    return target


def _reassign(through, item_field, source, target):
    """Point the rows of an item–node table at ``target`` instead of ``source``, once each."""
    rows = through.objects.filter(dimensionnode=source)
    already = set(through.objects.filter(dimensionnode=target).values_list(f"{item_field}_id", flat=True))
    rows.filter(**{f"{item_field}_id__in": already}).delete()
    rows.update(dimensionnode=target)


def delete_node(user, node):
    """Only an empty node can be deleted; merge a node that has items."""
    _require(user, node.dimension)
    if has_items(node):
        raise DimensionError(_("%(name)s still has items; merge it into another node instead.") % {"name": node.name})
    if DimensionNode.objects.filter(merged_into__path__startswith=node.path).exists():
        raise DimensionError(_("Other nodes were merged into %(name)s; it must stay.") % {"name": node.name})
    node.delete()


def _reindex_subtree(node):
    """Facet labels and filters of the items in a changed subtree."""
    from search.index import queue_update

    nodes = subtree(node)
    for through, item_field in item_relations():
        model = through._meta.get_field(item_field).related_model
        for item in model._default_manager.filter(pk__in=through.objects.filter(dimensionnode__in=nodes)
                                                  .values(f"{item_field}_id")):
            queue_update(item)
