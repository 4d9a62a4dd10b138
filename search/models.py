"""What the search engines index (one row per searchable item) and the query log."""
from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


def principals_q(principals, prefix=""):
    """A Q for rows whose ``principals`` column lets in someone with these tokens (None: all)."""
    if principals is None:
        return models.Q()
    # Every token, "all" too: a public item's row reads "all public".
    query = models.Q(pk__in=[])
    for token in principals:
        query |= (models.Q(**{f"{prefix}principals": token}) | models.Q(**{f"{prefix}principals__startswith": f"{token} "})
                  | models.Q(**{f"{prefix}principals__endswith": f" {token}"})
                  | models.Q(**{f"{prefix}principals__contains": f" {token} "}))
    return query


class LabelQuerySet(models.QuerySet):
    def labels(self, id_field, label_field, values):
        """{value: label} for facet values (space_id -> space_title, ...): one query, an index
        seek per value (a DISTINCT over the entries reads every entry of a large space)."""
        values = list(values)
        if not values:
            return {}
        table = connection.ops.quote_name(self.model._meta.db_table)
        id_column, label_column = (connection.ops.quote_name(self.model._meta.get_field(f).column)
                                   for f in (id_field, label_field))
        rows = ", ".join(["(%s)"] * len(values))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH wanted(v) AS (VALUES {rows}) SELECT v, (SELECT {label_column} FROM {table} "
                f"WHERE {id_column} = wanted.v LIMIT 1) FROM wanted", values,
            )
            return {value: label for value, label in cursor.fetchall() if label is not None}


class SearchEntryQuerySet(LabelQuerySet):
    def readable_by(self, user):
        """The entries ``user`` may read: the catalogue of every item, permission-checked."""
        from .registry import principals_for_user

        if not user.is_authenticated:
            return self.none()
        return self.filter(principals_q(principals_for_user(user)))


class SearchEntry(models.Model):
    """A searchable item as the engines see it: its text, facets and who may read it.

    The engine-specific index (an FTS5 table, a tsvector column, an Elasticsearch index) is
    derived from these rows, so ``search_rebuild`` can always recreate it.
    """

    key = models.CharField(max_length=100, unique=True)  # "<app>.<model>:<pk>"
    kind = models.CharField(_("type"), max_length=40, db_index=True)
    object_id = models.CharField(max_length=40)
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(max_length=1024)
    keywords = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)  # [{"name": ..., "text": ...}]
    space_id = models.BigIntegerField(null=True, db_index=True)
    space_title = models.CharField(max_length=255, blank=True)
    owner_id = models.BigIntegerField(null=True, db_index=True)
    owner_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=20, blank=True, db_index=True)
    date = models.DateTimeField(null=True, db_index=True)
    created = models.DateTimeField(null=True)  # first published or uploaded: when it joined the stock
    review_due = models.DateField(null=True, blank=True)  # when its owner should re-check it
    attachment_count = models.PositiveIntegerField(default=0)  # files: attached, or its own
    nodes = models.TextField(blank=True, help_text="space-separated ids of its dimension nodes and their ancestors")
    principals = models.TextField(help_text="space-separated: 'all', g<group id> or u<user id> tokens")
    stamp = models.CharField(max_length=100, blank=True)  # the source's version, for search_check
    indexed_at = models.DateTimeField(auto_now=True)

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            # Facet counts join matches to these columns only, not to the wide rows.
            models.Index(fields=["id", "kind", "space_id", "owner_id", "file_type", "date"],
                         name="zhiku_search_entry_facets"),
            # Facet labels.
            models.Index(fields=["space_id", "space_title"], name="zhiku_search_entry_space"),
            models.Index(fields=["owner_id", "owner_name"], name="zhiku_search_entry_owner"),
        ]

    def __str__(self):
        return self.key

    @property
    def node_ids(self):
        return [int(n) for n in self.nodes.split()]

    def set_nodes(self, nodes):
        """Store its dimension nodes: ``nodes`` is [(node id, label)], ancestors included."""
        self.nodes = " ".join(str(node_id) for node_id, _label in nodes)
        SearchEntry.objects.filter(pk=self.pk).update(nodes=self.nodes)
        self.node_rows.all().delete()
        SearchEntryNode.objects.bulk_create(
            [SearchEntryNode(entry=self, node_id=node_id, label=label[:1024]) for node_id, label in nodes])

    @property
    def attachment_text(self):
        """The names and texts of the attachments, as one text to index."""
        return "\n".join(f"{a.get('name', '')}\n{a.get('text', '')}" for a in self.attachments)


class SearchEntryNode(models.Model):
    """An entry in a dimension node (or below it): node facets count these rows."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="node_rows")
    node_id = models.BigIntegerField()
    label = models.CharField(max_length=1024)

    objects = LabelQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "node_id"], name="zhiku_search_entry_node")]
        indexes = [models.Index(fields=["node_id", "label"], name="zhiku_search_node_label")]


class QueryLog(models.Model):
    """Every search (for statistics); zero-result queries show knowledge gaps."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    query = models.CharField(_("query"), max_length=256)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    result_count = models.PositiveIntegerField(_("results"))
    clicked_key = models.CharField(_("clicked result"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=16, default="web")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")
        ordering = ["-created_at"]

    def __str__(self):
        return self.query


class MatchPhrase(models.Model):
    """One way an item states a question (its title, an alternative phrasing) or its answer,
    as question matching compares them with a question in someone's own words. Derived from
    the item's adapter with its SearchEntry, whose readers it shares."""

    class Role(models.TextChoices):
        QUESTION = "question", _("Question")
        PHRASING = "phrasing", _("Alternative phrasing")
        ANSWER = "answer", _("Answer")

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="match_phrases")
    kind = models.CharField(max_length=40, db_index=True)  # the entry's
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    terms = models.TextField(help_text="space-separated match terms (normalised, segmented, synonyms folded)")


class MatchTerm(models.Model):
    """The inverted index of match phrases: a row per distinct term of a phrase."""

    phrase = models.ForeignKey(MatchPhrase, on_delete=models.CASCADE, related_name="term_rows")
    term = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)  # the entry's, so a match can keep to some kinds in the index

    class Meta:
        indexes = [models.Index(fields=["term", "kind", "phrase"], name="zhiku_match_term")]


class MatchTermCount(models.Model):
    """How many match phrases of a kind have a term (the empty term: how many phrases there
    are), kept by ``search.matching`` as phrases come and go, so weighing a question's words
    reads a row per word instead of counting the index."""

    kind = models.CharField(max_length=40)
    term = models.CharField(max_length=64, blank=True)
    phrases = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "term"], name="zhiku_match_term_count")]
