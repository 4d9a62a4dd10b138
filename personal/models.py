"""What belongs to one employee: favourites, anthologies, reading, subscriptions, work log.

Items are named by their search key ("<app_label>.<model>:<pk>", see ``search.registry``), so
any content type that joins search can be favourited, collected, read, followed and linked
without a foreign key per type. What a viewer may see of an item always comes from
``SearchEntry.objects.readable_by(viewer)``.
"""
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

KEY_LENGTH = 100  # as SearchEntry.key


class FavouriteFolder(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="favourite_folders")
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("favourites folder")
        verbose_name_plural = _("favourites folders")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="personal_folder_name_per_user")]

    def __str__(self):
        return self.name


class Favourite(models.Model):
    """An item someone starred (收藏), in one of their folders or in none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="favourites")
    folder = models.ForeignKey(FavouriteFolder, verbose_name=_("folder"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="favourites")
    key = models.CharField(_("item"), max_length=KEY_LENGTH)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="personal_favourite_once")]

    def __str__(self):
        return self.key


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Only me")
    GROUPS = "groups", _("Some groups")
    EVERYONE = "everyone", _("Everyone")


class AnthologyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The anthologies ``user`` may open: their own, those shared with one of their groups
        or with everyone. Superusers read everything, as they do in search."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            models.Q(owner=user) | models.Q(visibility=Visibility.EVERYONE)
            | models.Q(visibility=Visibility.GROUPS, groups__in=user.groups.all())
        ).distinct()


class Anthology(models.Model):
    """An ordered, titled collection of any items (文集), private or shared."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="anthologies")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(_("shared with"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PRIVATE)
    groups = models.ManyToManyField(Group, verbose_name=_("groups"), blank=True, related_name="+",
                                    help_text=_("Members of these groups may read it when it is shared with some "
                                                "groups."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AnthologyQuerySet.as_manager()

    class Meta:
        verbose_name = _("anthology")
        verbose_name_plural = _("anthologies")
        ordering = ["-updated_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("personal:anthology", args=[self.pk])

    def is_visible_to(self, user):
        return Anthology.objects.visible_to(user).filter(pk=self.pk).exists()

    def shared_group_ids(self):
        return sorted(self.groups.values_list("pk", flat=True)) if self.visibility == Visibility.GROUPS else []

    def next_sort_order(self):
        last = self.items.aggregate(models.Max("sort_order"))["sort_order__max"]
        return 0 if last is None else last + 1


class AnthologyItem(models.Model):
    anthology = models.ForeignKey(Anthology, verbose_name=_("anthology"), on_delete=models.CASCADE,
                                  related_name="items")
    key = models.CharField(_("item"), max_length=KEY_LENGTH)
    sort_order = models.IntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("anthology item")
        verbose_name_plural = _("anthology items")
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["anthology", "key"], name="personal_anthology_item_once")]

    def __str__(self):
        return self.key


class ReadRecord(models.Model):
    """That someone read an item, how often and when: "recently viewed" here, and what a person
    has read for knowledge maps."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="read_records")
    key = models.CharField(_("item"), max_length=KEY_LENGTH, db_index=True)
    first_read_at = models.DateTimeField(_("first read"))
    last_read_at = models.DateTimeField(_("last read"))
    read_count = models.PositiveIntegerField(_("times read"), default=1)

    class Meta:
        verbose_name = _("read record")
        verbose_name_plural = _("read records")
        ordering = ["-last_read_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="personal_read_once_per_item")]
        indexes = [models.Index(fields=["user", "-last_read_at"], name="personal_read_recent")]

    def __str__(self):
        return self.key


class Subscription(models.Model):
    """Someone follows a dimension node, a knowledge space or one item and is notified when
    something there changes. ``target``: the node's or space's id, or the item's key."""

    NODE, SPACE, ITEM = "node", "space", "item"
    TARGET_TYPES = [(NODE, _("Dimension node")), (SPACE, _("Knowledge space")), (ITEM, _("Item"))]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="subscriptions")
    target_type = models.CharField(_("follows"), max_length=10, choices=TARGET_TYPES)
    target = models.CharField(_("target"), max_length=KEY_LENGTH)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "target_type", "target"],
                                               name="personal_subscription_once")]
        indexes = [models.Index(fields=["target_type", "target"], name="personal_subscription_target")]

    def __str__(self):
        return f"{self.target_type}:{self.target}"

    @property
    def target_id(self):
        return int(self.target) if self.target_type != self.ITEM and self.target.isdigit() else None


class WorkLogEntry(models.Model):
    """A dated entry of someone's work log (工作日志), with what they learned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="work_log")
    date = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what was done"), blank=True)
    experience = models.TextField(_("experience notes"), blank=True,
                                  help_text=_("What you learned, what to do differently next time."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log entries")
        ordering = ["-date", "-created_at"]

    def __str__(self):
        return f"{self.date} {self.title}"


class WorkLogLink(models.Model):
    """An item a work log entry is about; by key, so customers can be linked once they are
    searchable items too."""

    entry = models.ForeignKey(WorkLogEntry, verbose_name=_("work log entry"), on_delete=models.CASCADE,
                              related_name="links")
    key = models.CharField(_("item"), max_length=KEY_LENGTH, db_index=True)

    class Meta:
        verbose_name = _("linked item")
        verbose_name_plural = _("linked items")
        constraints = [models.UniqueConstraint(fields=["entry", "key"], name="personal_worklog_link_once")]

    def __str__(self):
        return self.key


class Handover(models.Model):
    """The record of a leaver's items, anthologies and work log handed to a successor."""

    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT,
                                  related_name="handovers_given")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT,
                                related_name="handovers_received")
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("performed by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    performed_at = models.DateTimeField(_("performed at"), auto_now_add=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-performed_at"]

    def __str__(self):
        return f"{self.from_user} → {self.to_user}"
