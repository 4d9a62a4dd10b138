"""Knowledge statistics (KB-07): raw events written in the request path, and the daily
aggregates the dashboards read.

Events are one narrow INSERT each (no foreign keys to check, one index). Searches and their
click-throughs are already one row each in ``search.QueryLog``; the roll-up reads them there.
The roll-up (``services.rollup``) turns a finished day into the ``*Day`` tables; the dashboards
never read ``Event`` or ``QueryLog`` directly.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.IntegerChoices):
    VIEW = 1, _("view")
    DOWNLOAD = 2, _("download")
    FAVOURITE = 3, _("favourite")
    ANSWER = 4, _("answer")
    ACCEPTED = 5, _("accepted answer")


class Event(models.Model):
    """Someone did something with an item. ``user_id`` and ``key`` are plain values, not foreign
    keys: recording must stay one cheap write, and history outlives deleted rows."""

    at = models.DateTimeField(db_index=True)
    verb = models.PositiveSmallIntegerField(choices=Verb.choices)
    user_id = models.IntegerField(null=True)
    key = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")
        permissions = [("view_all_stats", _("Can see the knowledge statistics of every department"))]


class Item(models.Model):
    """An item as the statistics count it: every searchable item ever seen by the roll-up,
    with the department it counts for. Items that left the catalogue keep their row
    (``removed_at``), so past usage and month-end stock stay right."""

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(_("type"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(max_length=1024, blank=True)
    space_id = models.BigIntegerField(null=True)
    space_title = models.CharField(_("knowledge space"), max_length=255, blank=True)
    department = models.ForeignKey("portal.Department", verbose_name=_("department"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), null=True)
    removed_at = models.DateTimeField(null=True)
    links = models.PositiveIntegerField(_("links"), default=0)  # related articles, anthologies, work log, training

    class Meta:
        verbose_name = _("counted item")
        verbose_name_plural = _("counted items")
        indexes = [models.Index(fields=["department", "kind"], name="stats_item_department")]

    def __str__(self):
        return self.title


class ItemDay(models.Model):
    """What happened to one item on one day."""

    day = models.DateField()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="days")
    views = models.PositiveIntegerField(default=0)
    readers = models.PositiveIntegerField(default=0)  # distinct people who opened it that day
    downloads = models.PositiveIntegerField(default=0)
    favourites = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)  # search results clicked
    helpful = models.PositiveIntegerField(default=0)  # "this answered my question" votes

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "item"], name="stats_item_day_once")]
        indexes = [
            models.Index(fields=["item", "day"], name="stats_item_day_item"),
            # The usage and contribution dashboards sum these over a period: read from the index
            # alone, not row by row from the table (about twice as fast on SQLite over a year
            # of days, bench/stats.py).
            models.Index(fields=["day", "item", "views", "downloads", "favourites", "clicks", "helpful"],
                         name="stats_item_day_usage"),
        ]


class ItemMonth(models.Model):
    """One item's usage over a whole calendar month, summed from its days. A long period reads
    its whole months here and only the days at its ends from ``ItemDay``/``ReaderDay``."""

    month = models.DateField()  # the first day of the month
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    favourites = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    helpful = models.PositiveIntegerField(default=0)
    readers = models.BinaryField(default=b"")  # who opened it that month: a bitmap, as DepartmentDay's

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "item"], name="stats_item_month_once")]


class DepartmentDay(models.Model):
    """The usage of one department's items on one day. The usage dashboard's totals, trend,
    heat map and department table read these few rows rather than every item's."""

    day = models.DateField()
    department = models.ForeignKey("portal.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    favourites = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    # The ids of the people who opened its items that day, as a bitmap (bit n: user n): the
    # distinct readers of any period are the bits set in the union of its days.
    readers = models.BinaryField(default=b"")

    class Meta:
        indexes = [models.Index(fields=["day", "department"], name="stats_department_day")]


def readers_bitmap(user_ids):
    bits = 0
    for user_id in user_ids:
        bits |= 1 << user_id
    return bits.to_bytes((bits.bit_length() + 7) // 8, "little")


def count_readers(bitmaps):
    """How many people are in any of these bitmaps."""
    union = 0
    for bitmap in bitmaps:
        union |= int.from_bytes(bitmap, "little")
    return union.bit_count()


class ReaderDay(models.Model):
    """Who opened (viewed or downloaded) an item on a day: distinct readers over any period."""

    day = models.DateField()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    user_id = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "item", "user_id"], name="stats_reader_day_once")]
        indexes = [models.Index(fields=["item", "day"], name="stats_reader_day_item")]


class PersonDay(models.Model):
    """What one person contributed on one day; ``department`` as it was when rolled up."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("portal.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    items = models.PositiveIntegerField(default=0)  # knowledge items created (articles, FAQ, structured...)
    faq = models.PositiveIntegerField(default=0)  # of which FAQ entries
    attachments = models.PositiveIntegerField(default=0)
    revisions = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="stats_person_day_once")]
        indexes = [models.Index(fields=["day", "department"], name="stats_person_day_dept")]


class SearchDay(models.Model):
    """One query wording searched on a day by the people of one department."""

    day = models.DateField()
    query = models.CharField(max_length=256)
    department = models.ForeignKey("portal.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    searches = models.PositiveIntegerField(default=0)
    zero = models.PositiveIntegerField(default=0)  # searches that found nothing
    clicks = models.PositiveIntegerField(default=0)  # searches followed by a click on a result

    class Meta:
        indexes = [
            models.Index(fields=["day", "department"], name="stats_search_day_dept"),
            # A department head's view: their departments' days, not every day of theirs ever.
            models.Index(fields=["department", "day"], name="stats_search_dept_day"),
        ]


class SearcherDay(models.Model):
    """How often one person searched on a day (anonymous visitors of the public site: no row)."""

    day = models.DateField()
    user_id = models.IntegerField()
    department = models.ForeignKey("portal.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    searches = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user_id"], name="stats_searcher_day_once")]
        indexes = [models.Index(fields=["department", "day"], name="stats_searcher_dept_day")]


class SearchMonth(models.Model):
    """``SearchDay`` summed over a whole calendar month."""

    month = models.DateField()
    query = models.CharField(max_length=256)
    department = models.ForeignKey("portal.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    searches = models.PositiveIntegerField(default=0)
    zero = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    last_zero = models.DateField(null=True)  # the last day it found nothing

    class Meta:
        indexes = [models.Index(fields=["month", "department"], name="stats_search_month_dept")]


class SearcherMonth(models.Model):
    """``SearcherDay`` summed over a whole calendar month."""

    month = models.DateField()
    user_id = models.IntegerField()
    department = models.ForeignKey("portal.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    searches = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "user_id"], name="stats_searcher_month_once")]


class RolledUpDay(models.Model):
    """A day the roll-up has finished; the next run starts after the last one."""

    day = models.DateField(unique=True)
    events = models.PositiveIntegerField(default=0)
    searches = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
