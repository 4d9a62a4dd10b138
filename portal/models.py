"""The organisation (departments, positions, people) and the portal's home page."""
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class Department(models.Model):
    """A node of the organisation chart; knowledge spaces and people belong to one."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=50, unique=True, allow_unicode=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("parent"), FieldPanel("head")]

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Position(models.Model):
    """A job (岗位); later issues hang position knowledge maps and training plans on it."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True, allow_unicode=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("department"), FieldPanel("description")]

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]

    def __str__(self):
        return self.name


mobile_validator = RegexValidator(r"^\+?\d{6,15}$", _("Enter a mobile number of 6 to 15 digits."))


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members",
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="holders",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="reports",
    )
    mobile = models.CharField(_("mobile number"), max_length=16, blank=True, validators=[mobile_validator])

    panels = [
        FieldPanel("user"),
        FieldPanel("department"),
        FieldPanel("position"),
        FieldPanel("manager"),
        FieldPanel("mobile"),
    ]

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class HomePage(Page):
    """The intranet's front page: spaces and what changed lately."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["knowledge.KnowledgeSpacePage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        from knowledge.models import ArticlePage, KnowledgeSpacePage

        from portal.services.workbench import workbench

        context = super().get_context(request, *args, **kwargs)
        context["workbench"] = workbench(request.user)
        context["spaces"] = KnowledgeSpacePage.objects.child_of(self).live().readable_by(request.user)
        context["recent_articles"] = (
            ArticlePage.objects.descendant_of(self).live().readable_by(request.user)
            .order_by("-last_published_at")[:10]
        )
        return context


class Kind(NamedTuple):
    """A kind of event people choose channels for; ``email``/``sms`` are the defaults used until
    a person saves their own choice."""

    label: str
    verbs: tuple
    email: bool = False
    sms: bool = False


# In-portal notices are always on; e-mail and SMS are chosen per person and kind.
KINDS = {
    "approvals": Kind(_("Approvals"), ("approval_requested", "approval_approved", "approval_changes",
                                       "approval_rejected", "approval_escalated", "claim_paid"), email=True),
    "reviews": Kind(_("Content reviews"), ("review_due", "review_overdue", "outdated")),
    "subscriptions": Kind(_("Subscriptions"), ("created", "changed")),
    "qa": Kind(_("Questions and answers"), ("qa_question", "qa_answer", "qa_comment", "qa_accepted", "qa_escalated")),
    "training": Kind(_("Training"), ("training_assigned", "training_due", "training_overdue", "training_refresh")),
    "other": Kind(_("Other notices"), ()),  # verbs no kind lists (yet)
}
VERB_KINDS = {verb: key for key, kind in KINDS.items() for verb in kind.verbs}
# Training reminders send their own e-mail (training.services.reminders): no second one from here.
SELF_EMAILED_VERBS = {"training_due", "training_overdue"}


def kind_of(verb):
    return VERB_KINDS.get(verb, "other")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def notify(self, users, verb, title, url="", dedupe_key=""):
        """Notify each of ``users`` once: a second notice with the same ``dedupe_key`` for the
        same user is dropped, so a change reported twice never notifies twice. Each new notice
        is also sent by e-mail/SMS as its user chose for the verb's kind (after the transaction
        commits, by the worker). Returns the notifications created by this call."""
        users = list({user.pk: user for user in users}.values())
        if not users:
            return []
        # Rows that lose to an earlier notice with the same dedupe_key are dropped without an
        # error, and bulk_create(ignore_conflicts=True) gives back no primary keys on SQLite:
        # the batch token marks the rows this call inserted.
        batch = uuid.uuid4().hex
        self.bulk_create(
            [Notification(user=user, verb=verb, title=title[:255], url=url[:1024], dedupe_key=dedupe_key[:200],
                          batch=batch) for user in users],
            ignore_conflicts=bool(dedupe_key),
        )
        created = list(Notification.objects.filter(user__in=[user.pk for user in users], batch=batch))
        Delivery.objects.plan(created, {user.pk: user for user in users})
        return created


class Notification(models.Model):
    """A notice for one user (a subscribed item changed, ...); the message centre sends it on by
    e-mail and SMS as the user chose (Delivery)."""

    VERBS = {
        "created": _("New"), "changed": _("Updated"), "outdated": _("Flagged as outdated"),
        "qa_question": _("Question for you"), "qa_answer": _("New answer"), "qa_comment": _("New comment"),
        "qa_accepted": _("Answer accepted"), "qa_escalated": _("Unanswered question"),
        "training_assigned": _("Training assigned"), "training_due": _("Training due soon"),
        "training_overdue": _("Training overdue"), "training_refresh": _("Please re-read"),
        "approval_requested": _("Approval requested"), "approval_approved": _("Approved"),
        "approval_changes": _("Changes requested"), "approval_rejected": _("Rejected"),
        "approval_escalated": _("Approval overdue"), "claim_paid": _("Claim paid"),
        "review_due": _("Due for review"), "review_overdue": _("Review overdue"),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    verb = models.CharField(_("what happened"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(_("link"), max_length=1024, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    batch = models.CharField(max_length=32, blank=True, editable=False)  # the notify() call that made it

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                               name="portal_notification_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="portal_notification_unread")]

    def __str__(self):
        return f"{self.verb_label}: {self.title}"

    @property
    def verb_label(self):
        return self.VERBS.get(self.verb, self.verb)

    @property
    def kind(self):
        return kind_of(self.verb)


DIGEST = "digest"  # the preference row whose ``email`` says: send me the daily digest


class PreferenceQuerySet(models.QuerySet):
    def choices(self, user_ids, kind):
        """{user id: (email, sms)} for ``kind``, the kind's defaults for those without a row."""
        default = KINDS[kind]
        found = {p.user_id: (p.email, p.sms) for p in self.filter(user_id__in=user_ids, kind=kind)}
        return {pk: found.get(pk, (default.email, default.sms)) for pk in user_ids}

    def for_user(self, user):
        """[(kind key, Kind, email, sms)] for the settings page, and whether the digest is on."""
        found = {p.kind: p for p in self.filter(user=user)}
        rows = [(key, kind, found[key].email if key in found else kind.email,
                 found[key].sms if key in found else kind.sms) for key, kind in KINDS.items()]
        return rows, DIGEST in found and found[DIGEST].email


class NotificationPreference(models.Model):
    """One person's channels for one kind of event; no row means the kind's defaults."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=30)
    email = models.BooleanField(_("e-mail"), default=False)
    sms = models.BooleanField(_("SMS"), default=False)

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="portal_preference_once")]

    def __str__(self):
        return f"{self.user}: {self.kind}"


class DeliveryQuerySet(models.QuerySet):
    def plan(self, notifications, users):
        """Create the e-mail/SMS deliveries ``notifications`` need (``users``: {pk: user}) and
        have the worker send them once the transaction commits. A few queries per call,
        however many people are notified."""
        if not notifications:
            return []
        kind = kind_of(notifications[0].verb)  # one notify() call: one verb
        user_ids = [n.user_id for n in notifications]
        choices = NotificationPreference.objects.choices(user_ids, kind)
        mobiles = {}
        if any(sms for _email, sms in choices.values()):
            mobiles = dict(UserProfile.objects.filter(user_id__in=user_ids).exclude(mobile="")
                           .values_list("user_id", "mobile"))
        rows = []
        for notification in notifications:
            user = users[notification.user_id]
            if not user.is_active:
                continue
            email, sms = choices[user.pk]
            if email and user.email and notification.verb not in SELF_EMAILED_VERBS:
                rows.append(Delivery(notification=notification, channel=Delivery.Channel.EMAIL))
            if sms and mobiles.get(user.pk):
                rows.append(Delivery(notification=notification, channel=Delivery.Channel.SMS))
        if not rows:
            return []
        self.bulk_create(rows)
        ids = list(self.filter(notification__in=notifications).values_list("pk", flat=True))
        transaction.on_commit(lambda: _enqueue(ids))
        return ids


def _enqueue(delivery_ids):
    from .tasks import send_delivery

    for pk in delivery_ids:
        send_delivery.delay(pk)


class Delivery(models.Model):
    """One notification sent by e-mail or SMS, at most once: the worker claims the row before
    sending (pending → sending) and a row that is sending or sent is never sent again."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    notification = models.ForeignKey(Notification, verbose_name=_("notification"), on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["channel"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="portal_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="portal_delivery_due")]

    def __str__(self):
        return f"{self.notification_id} {self.channel}: {self.status}"

    @property
    def reference(self):
        """Our id for the message at the provider (Aliyun's OutId, the e-mail's Message-ID)."""
        return f"zhiku-{self.pk}"


class Digest(models.Model):
    """The daily digest e-mail of one person for one date: at most one is sent."""

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENDING)
    notification_count = models.PositiveIntegerField(_("notifications"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="portal_digest_once")]

    def __str__(self):
        return f"{self.user} {self.date}: {self.status}"
