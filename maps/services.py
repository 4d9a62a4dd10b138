"""Figures of the knowledge maps (KB-10). Everything is counted over the search catalogue
(one SearchEntry per item of every kind, with its dimension nodes and ancestors), filtered to
what the viewer may read, so a map never reveals hidden items, not even as a count."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Revision

from knowledge.models import Dimension, DimensionNode
from knowledge.services import dimensions
from search import registry
from search.models import SearchEntry, SearchEntryNode

from .models import PositionRequirement

FRESH_DAYS = 365  # an item updated within a year, and not past its review date, counts as fresh
MANAGE_REQUIREMENTS = "maps.change_positionrequirement"


@dataclass
class Stock:
    items: int = 0
    files: int = 0
    last_update: datetime | None = None
    past_review: int = 0
    fresh: int = 0

    @property
    def past_review_share(self):
        return self.past_review / self.items if self.items else 0.0

    @property
    def fresh_share(self):
        return self.fresh / self.items if self.items else 0.0

    @property
    def coverage(self):
        """'none' (nothing published), 'stale' (under half fresh) or 'good'."""
        if not self.items:
            return "none"
        return "good" if self.fresh_share >= 0.5 else "stale"


def _stock_rows(entries, group_by):
    today = timezone.localdate()
    fresh_since = timezone.now() - timedelta(days=FRESH_DAYS)
    past = Q(entry__review_due__lt=today)
    return entries.values(group_by).annotate(
        items=Count("entry_id", distinct=True), files=Sum("entry__attachment_count"), last_update=Max("entry__date"),
        past_review=Count("entry_id", filter=past, distinct=True),
        fresh=Count("entry_id", filter=Q(entry__date__gte=fresh_since) & ~past, distinct=True),
    )


def node_stock(user, node_ids=None):
    """{node id: Stock} over the items ``user`` may read; an item counts in its nodes and in
    all their ancestors (each item once per node)."""
    rows = SearchEntryNode.objects.filter(entry__in=SearchEntry.objects.readable_by(user))
    if node_ids is not None:
        rows = rows.filter(node_id__in=list(node_ids))
    return {r["node_id"]: Stock(r["items"], r["files"] or 0, r["last_update"], r["past_review"], r["fresh"])
            for r in _stock_rows(rows, "node_id")}


def dimension_totals(user):
    """{dimension id: Stock} of the distinct items in any node of each dimension."""
    today = timezone.localdate()
    fresh_since = timezone.now() - timedelta(days=FRESH_DAYS)
    past = Q(review_due__lt=today)
    readable = SearchEntry.objects.readable_by(user)
    totals = {}
    for dimension_id, root_ids in _roots_by_dimension().items():
        row = readable.filter(node_rows__node_id__in=root_ids).distinct().aggregate(
            items=Count("pk"), files=Sum("attachment_count"), last_update=Max("date"),
            past_review=Count("pk", filter=past), fresh=Count("pk", filter=Q(date__gte=fresh_since) & ~past),
        )
        totals[dimension_id] = Stock(row["items"], row["files"] or 0, row["last_update"], row["past_review"],
                                     row["fresh"])
    return totals


def _roots_by_dimension():
    roots = {}
    for pk, dimension_id in DimensionNode.objects.active().filter(depth=1).values_list("pk", "dimension_id"):
        roots.setdefault(dimension_id, []).append(pk)
    return roots


def _node_dict(node, stock, children):
    figures = stock.get(node.pk, Stock())
    return {
        "id": node.pk, "name": node.name, "value": figures.items, "files": figures.files,
        "last_update": figures.last_update.date().isoformat() if figures.last_update else "",
        "past_review": round(figures.past_review_share * 100), "url": reverse("maps:node", args=[node.pk]),
        "children": [_node_dict(child, stock, children) for child in children.get(node.path, [])],
    }


def map_tree(user):
    """Every dimension as a tree of its nodes with their stock, for the global map."""
    stock = node_stock(user)
    totals = dimension_totals(user)
    children, roots = {}, {}
    for node in DimensionNode.objects.active().order_by("path"):
        if node.depth == 1:
            roots.setdefault(node.dimension_id, []).append(node)
        else:
            children.setdefault(node.path[:-DimensionNode.steplen], []).append(node)
    tree = []
    for dimension in Dimension.objects.all():
        total = totals.get(dimension.pk, Stock())
        tree.append({
            "id": f"d{dimension.pk}", "name": dimension.name, "value": total.items, "files": total.files,
            "last_update": total.last_update.date().isoformat() if total.last_update else "",
            "past_review": round(total.past_review_share * 100), "url": "",
            "children": [_node_dict(node, stock, children) for node in roots.get(dimension.pk, [])],
        })
    return tree


def node_entries(user, node):
    """The items in ``node`` or below it that ``user`` may read, newest first."""
    return SearchEntry.objects.readable_by(user).filter(node_rows__node_id=node.pk).order_by("-date", "-pk")


# Experts: who wrote, revised (and, once Q&A exists, answered) most in a node. Each source maps
# the node's entries to {user id: count}; later features append their own.

def _authored(entries):
    # Asking a question is not writing knowledge: Q&A counts answers in sources of its own.
    return dict(entries.order_by().exclude(owner_id=None).exclude(kind="question")
                .values_list("owner_id").annotate(n=Count("pk")))


def _revised(entries):
    page_kinds = {a.kind for a in registry.adapters() if issubclass(a.model, Page)}
    page_ids = list(entries.order_by().filter(kind__in=page_kinds).values_list("object_id", flat=True))
    if not page_ids:
        return {}
    revisions = Revision.objects.filter(base_content_type=ContentType.objects.get_for_model(Page),
                                        object_id__in=page_ids).exclude(user=None)
    return dict(revisions.values_list("user_id").annotate(n=Count("pk")))


@dataclass
class ExpertSource:
    name: str
    label: str
    weight: int
    count: object  # callable(entries queryset) -> {user id: count}


EXPERT_SOURCES = [
    ExpertSource("authored", "authored", 3, _authored),
    ExpertSource("revised", "revised", 1, _revised),
]


@dataclass
class Expert:
    user: object
    counts: dict = field(default_factory=dict)
    score: int = 0


def experts(user, node, limit=5):
    """The people who contributed most to the items of ``node`` that ``user`` may read."""
    entries = node_entries(user, node)
    experts_by_id = {}
    for source in EXPERT_SOURCES:
        for user_id, count in source.count(entries).items():
            expert = experts_by_id.setdefault(user_id, Expert(user=None))
            expert.counts[source.name] = count
            expert.score += count * source.weight
    people = get_user_model().objects.in_bulk(list(experts_by_id))
    ranked = []
    for user_id, expert in experts_by_id.items():
        if user_id in people and people[user_id].is_active:
            expert.user = people[user_id]
            ranked.append(expert)
    ranked.sort(key=lambda e: (-e.score, e.user.get_username()))
    return ranked[:limit]


# Position maps.

@dataclass
class Topic:
    key: str
    label: str
    url: str
    stock: Stock


def topics_for(user, requirements):
    """{topic key: Topic} for the nodes and items these requirements name."""
    requirements = list(requirements)
    node_ids = {r.node_id for r in requirements if r.node_id}
    nodes = DimensionNode.objects.filter(pk__in=node_ids)
    labels = dimensions.labels(nodes)
    stock = node_stock(user, node_ids)
    topics = {}
    for node in nodes:
        topics[f"n{node.pk}"] = Topic(f"n{node.pk}", labels[node.pk], reverse("maps:node", args=[node.pk]),
                                      stock.get(node.pk, Stock()))
    keys = {r.item_key for r in requirements if r.item_key}
    fresh_since = timezone.now() - timedelta(days=FRESH_DAYS)
    today = timezone.localdate()
    for entry in SearchEntry.objects.readable_by(user).filter(key__in=keys):
        fresh = bool(entry.date and entry.date >= fresh_since and not (entry.review_due and entry.review_due < today))
        topics[entry.key] = Topic(entry.key, entry.title, entry.url,
                                  Stock(items=1, files=entry.attachment_count, last_update=entry.date,
                                        past_review=int(bool(entry.review_due and entry.review_due < today)),
                                        fresh=int(fresh)))
    for key in keys - set(topics):  # gone, unpublished or hidden from this viewer
        topics[key] = Topic(key, "—", "", Stock())
    return topics


def position_matrix(user):
    """Positions × topics: which position must know what, and how well each topic is covered
    by published, fresh knowledge."""
    from portal.models import Position

    positions = list(Position.objects.prefetch_related("requirements"))
    requirements = [r for p in positions for r in p.requirements.all()]
    topics = topics_for(user, requirements)
    ordered = sorted(topics.values(), key=lambda t: t.label)
    rows = []
    for position in positions:
        levels = {r.topic_key: r for r in position.requirements.all()}
        rows.append((position, [(topic, levels.get(topic.key)) for topic in ordered]))
    return ordered, rows


def can_view_person(viewer, person):
    if viewer.pk == person.pk or viewer.is_superuser or viewer.has_perm(MANAGE_REQUIREMENTS):
        return True
    profile = getattr(person, "profile", None)
    if profile is None:
        return False
    department = profile.department
    return profile.manager_id == viewer.pk or bool(department and department.head_id == viewer.pk)


@dataclass
class PersonTopic:
    requirement: PositionRequirement
    topic: Topic
    read: int
    total: int

    @property
    def share(self):
        return self.read / self.total if self.total else 0.0

    @property
    def state(self):
        """'done' (all read), 'partial', 'todo' or 'empty' (nothing to read yet)."""
        if not self.total:
            return "empty"
        return "done" if self.read >= self.total else ("partial" if self.read else "todo")


def read_keys(person):
    """The keys of the items ``person`` has opened (personal.ReadRecord)."""
    if not apps.is_installed("personal"):
        return set()
    ReadRecord = apps.get_model("personal", "ReadRecord")
    return set(ReadRecord.objects.filter(user=person).values_list("key", flat=True))


def person_map(person):
    """The position map of ``person``, each topic with how much of it they have read. Counted
    over what the person may read (their map, not the viewer's)."""
    profile = getattr(person, "profile", None)
    position = profile.position if profile else None
    if position is None:
        return None, []
    requirements = list(position.requirements.select_related("node"))
    topics = topics_for(person, requirements)
    seen = read_keys(person)
    result = []
    for requirement in requirements:
        topic = topics[requirement.topic_key]
        if requirement.node_id:
            keys = set(node_entries(person, requirement.node).values_list("key", flat=True))
        else:
            keys = {requirement.item_key} if topic.stock.items else set()
        result.append(PersonTopic(requirement, topic, len(keys & seen), len(keys)))
    return position, result


# Training coverage of positions (KB-11): the paths assigned to each position and which of its
# topics their steps cover.

@dataclass
class PathCoverage:
    path: object
    completed: int | None = None  # None: the viewer may not see these people's results
    holders: int | None = None


@dataclass
class PositionRow:
    position: object
    cells: list  # (topic, requirement or None, covered by a training step)
    paths: list = field(default_factory=list)


def _path_keys(paths):
    """{path id: the keys of the items its steps ask to read}."""
    from training.services.progress import step_keys

    return {path.pk: {key for step in path.steps.all() for key in step_keys(step) if key} for path in paths}


def _node_id(topic_key):
    """The node of a node topic ("n<id>"); None for an item topic."""
    return int(topic_key[1:]) if topic_key.startswith("n") and topic_key[1:].isdigit() else None


def _topics_by_key(user, topic_keys, keys):
    """{item key: the topics it covers}, over the items among ``keys`` that ``user`` may read:
    an item covers itself as a topic, and the node topics it is filed under (or below)."""
    readable = SearchEntry.objects.readable_by(user).filter(key__in=keys)
    node_ids = {_node_id(t) for t in topic_keys} - {None}
    found = {}
    item_topics = [t for t in topic_keys if _node_id(t) is None]
    for key in readable.filter(key__in=item_topics).values_list("key", flat=True):
        found.setdefault(key, set()).add(key)
    rows = SearchEntryNode.objects.filter(entry__in=readable, node_id__in=node_ids)
    for key, node_id in rows.values_list("entry__key", "node_id"):
        found.setdefault(key, set()).add(f"n{node_id}")
    return found


def _holder_counts(user, position_ids, path_ids):
    """{position id: holders} and {(position id, path id): holders who completed it}, over the
    people whose training results ``user`` may see (None, None when nobody)."""
    from training.models import Enrollment
    from training.services.reports import scope

    viewer_scope = scope(user)
    if not viewer_scope.allowed:
        return None, None
    holders = get_user_model().objects.filter(viewer_scope.users_q(), is_active=True,
                                              profile__position_id__in=position_ids)
    counts = dict(holders.order_by().values_list("profile__position_id").annotate(n=Count("pk")))
    completed = (Enrollment.objects.current().filter(user__in=holders, path_id__in=path_ids,
                                                     completed_at__isnull=False)
                 .order_by().values_list("user__profile__position_id", "path_id").annotate(n=Count("pk")))
    return counts, {(position_id, path_id): n for position_id, path_id, n in completed}


def position_rows(user):
    """The position matrix with each position's training: its live paths with the holders'
    completion, and the topics their steps cover."""
    topics, rows = position_matrix(user)
    if not apps.is_installed("training"):
        return topics, [PositionRow(position, [(t, r, False) for t, r in cells]) for position, cells in rows]
    from training.models import Assignment, AssignmentTarget, TrainingPath

    pairs = set(Assignment.objects.filter(target_type=AssignmentTarget.POSITION)
                .values_list("position_id", "path_id"))
    paths = (TrainingPath.objects.available().filter(pk__in={path_id for _p, path_id in pairs})
             .prefetch_related("steps__page").in_bulk())
    assigned = {}  # {position id: its live paths, by title}
    for position_id, path_id in pairs:
        if path_id in paths:
            assigned.setdefault(position_id, []).append(paths[path_id])
    keys = _path_keys(paths.values())
    covers = _topics_by_key(user, [t.key for t in topics], set().union(*keys.values()))
    counts, completed = _holder_counts(user, [p.pk for p, _cells in rows], list(paths))
    result = []
    for position, cells in rows:
        position_paths = sorted(assigned.get(position.pk, []), key=lambda p: p.title)
        covered = {topic for p in position_paths for key in keys[p.pk] for topic in covers.get(key, ())}
        coverage = [PathCoverage(p, completed.get((position.pk, p.pk), 0), counts.get(position.pk, 0))
                    if counts is not None else PathCoverage(p) for p in position_paths]
        result.append(PositionRow(position, [(t, r, t.key in covered) for t, r in cells], coverage))
    return topics, result
