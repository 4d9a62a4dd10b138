"""Training paths (KB-11): ordered steps over knowledge items with optional quizzes, assigned
to people, groups, departments or positions; each learner's enrollment, step progress and
quiz attempts.

A path is a Wagtail snippet with drafts and revisions: designers edit it (steps, question
banks, assignments) in the admin, and learners see only what was published. Paths are
archived, never deleted, so no learner's record can vanish with them.
"""
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, Orderable, RevisionMixin

from .blocks import QuizBlock

MANAGE_TRAINING = "training.manage_training"
VIEW_ALL_REPORTS = "training.view_all_reports"


class TrainingPathQuerySet(models.QuerySet):
    def available(self):
        """Published and not archived: what learners may be enrolled in."""
        return self.filter(live=True, archived=False)


class TrainingPath(DraftStateMixin, RevisionMixin, ClusterableModel):
    """A learning plan: steps in order, and whom it is for."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True,
                               help_text=_("What learners will know afterwards; shown at the top of the path."))
    department = models.ForeignKey(
        "portal.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="training_paths", help_text=_("The department this plan belongs to."),
    )
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_training_paths",
    )
    archived = models.BooleanField(
        _("archived"), default=False,
        help_text=_("Archived paths are hidden from learners and assign nobody; records stay."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TrainingPathQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("department"), FieldPanel("content_owner")]),
        InlinePanel("steps", heading=_("Steps"), label=_("Step"), min_num=1),
        InlinePanel("assignments", heading=_("Assigned to"), label=_("Assignment")),
        FieldPanel("archived"),
    ]

    class Meta:
        verbose_name = _("training path")
        verbose_name_plural = _("training paths")
        ordering = ["title"]
        permissions = [
            ("manage_training", _("Can design and assign training paths")),
            ("view_all_reports", _("Can see every department's training results")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:path", args=[self.pk])

    @property
    def estimated_minutes(self):
        return sum(step.estimated_minutes for step in self.steps.all())



class StepKind(models.TextChoices):
    ARTICLE = "article", _("Article or knowledge page")
    DOCUMENT = "document", _("Document")
    FAQ_GROUP = "faq_group", _("FAQ group")
    ANTHOLOGY = "anthology", _("Anthology")
    LINK = "link", _("External link")


# Which field holds each kind's target.
TARGET_FIELDS = {
    StepKind.ARTICLE: "page", StepKind.DOCUMENT: "document", StepKind.FAQ_GROUP: "faq_node",
    StepKind.ANTHOLOGY: "anthology", StepKind.LINK: "url",
}


class TrainingStep(Orderable):
    """One thing to read (or watch) on a path, with an optional quiz."""

    path = ParentalKey(TrainingPath, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("type"), max_length=20, choices=StepKind.choices, default=StepKind.ARTICLE)
    title = models.CharField(_("title"), max_length=200, blank=True,
                             help_text=_("Leave empty to use the item's own title."))
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("article or FAQ entry"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL, verbose_name=_("document"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    faq_node = models.ForeignKey(
        "knowledge.DimensionNode", verbose_name=_("FAQ group"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", limit_choices_to={"merged_into__isnull": True},
        help_text=_("The FAQ entries filed under this node (and below it)."),
    )
    anthology = models.ForeignKey(
        "personal.Anthology", verbose_name=_("anthology"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", limit_choices_to=~models.Q(visibility="private"),
        help_text=_("Only shared anthologies can be used."),
    )
    url = models.URLField(_("external link"), blank=True, max_length=500)
    instructions = models.TextField(_("instructions"), blank=True,
                                    help_text=_("What to pay attention to while reading."))
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10,
                                                         validators=[MinValueValidator(1)])
    required = models.BooleanField(_("required"), default=True,
                                   help_text=_("Optional steps do not count towards completing the path."))
    quiz = StreamField(QuizBlock(), verbose_name=_("quiz questions"), blank=True,
                       help_text=_("Leave empty for no quiz: the learner confirms after reading."))
    quiz_draw = models.PositiveSmallIntegerField(
        _("questions per attempt"), default=0, help_text=_("Drawn at random from the questions; 0 asks them all."))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3,
                                                    help_text=_("0 allows any number."))

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("title")]),
        PageChooserPanel("page", ["knowledge.ArticlePage", "faq.FAQEntryPage", "structured.StructuredItemPage"]),
        FieldPanel("document"),
        FieldPanel("faq_node"),
        FieldPanel("anthology"),
        FieldPanel("url"),
        FieldPanel("instructions"),
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("required")]),
        MultiFieldPanel(
            [FieldPanel("quiz"),
             FieldRowPanel([FieldPanel("quiz_draw"), FieldPanel("pass_mark"), FieldPanel("max_attempts")])],
            heading=_("Quiz"),
        ),
    ]

    class Meta(Orderable.Meta):
        ordering = ["sort_order", "pk"]  # rows made outside the admin may lack an order
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self):
        return self.title or str(self.target or "") or self.get_kind_display()

    @property
    def target(self):
        return getattr(self, TARGET_FIELDS[StepKind(self.kind)], None)

    @property
    def has_quiz(self):
        return len(self.quiz) > 0

    @property
    def questions_per_attempt(self):
        count = len(self.quiz)
        return min(self.quiz_draw, count) if self.quiz_draw else count

    def clean(self):
        super().clean()
        errors = {}
        field = TARGET_FIELDS.get(self.kind)
        if field and not getattr(self, field if field == "url" else f"{field}_id"):
            errors[field] = _("Choose what this step is about.")
        if self.quiz_draw and self.quiz_draw > len(self.quiz):
            errors["quiz_draw"] = _("There are only %(count)d questions to draw from.") % {"count": len(self.quiz)}
        if errors:
            raise ValidationError(errors)
        # A step points at one thing: clear what another type left behind.
        for kind, other in TARGET_FIELDS.items():
            if kind != self.kind:
                setattr(self, other, "" if other == "url" else None)


class AssignmentTarget(models.TextChoices):
    USER = "user", _("Person")
    GROUP = "group", _("Group")
    DEPARTMENT = "department", _("Department")
    POSITION = "position", _("Position")


class Assignment(Orderable):
    """Who must follow a path, and by when. Everyone it covers is enrolled; people who join the
    group, department or position later are enrolled when they do."""

    path = ParentalKey(TrainingPath, on_delete=models.CASCADE, related_name="assignments")
    target_type = models.CharField(_("assign to"), max_length=20, choices=AssignmentTarget.choices,
                                   default=AssignmentTarget.POSITION)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    department = models.ForeignKey("portal.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="+",
                                   help_text=_("Includes its sub-departments."))
    position = models.ForeignKey("portal.Position", verbose_name=_("position"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="training_assignments")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("due after (days)"), null=True, blank=True,
        help_text=_("Days after each person is enrolled; for people who join later, such as new hires."))

    panels = [
        FieldPanel("target_type"),
        FieldRowPanel([FieldPanel("user"), FieldPanel("group"), FieldPanel("department"), FieldPanel("position")]),
        FieldRowPanel([FieldPanel("due_date"), FieldPanel("due_days")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self):
        return f"{self.path}: {self.target or '—'}"

    @property
    def target(self):
        return getattr(self, self.target_type, None)

    def clean(self):
        super().clean()
        if not getattr(self, f"{self.target_type}_id"):
            raise ValidationError({self.target_type: _("Choose whom to assign.")})
        if self.due_date and self.due_days is not None:
            raise ValidationError({"due_days": _("Give a due date or a number of days, not both.")})
        for other in AssignmentTarget.values:
            if other != self.target_type:
                setattr(self, other, None)


class EnrollmentQuerySet(models.QuerySet):
    def current(self):
        """Not withdrawn, on a path still offered: what learners see and reports count."""
        return self.filter(withdrawn_at=None, path__live=True, path__archived=False)


class Enrollment(models.Model):
    """One learner on one path. Kept when the assignment goes away once the learner started."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.CASCADE,
                             related_name="enrollments")
    path = models.ForeignKey(TrainingPath, verbose_name=_("training path"), on_delete=models.PROTECT,
                             related_name="enrollments")
    assigned_at = models.DateTimeField(_("assigned"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["due_date", "assigned_at"]
        constraints = [models.UniqueConstraint(fields=["user", "path"], name="training_enrollment_once")]

    def __str__(self):
        return f"{self.user} · {self.path}"

    def get_absolute_url(self):
        return reverse("training:enrollment", args=[self.pk])


class StepProgress(models.Model):
    """How far one learner is with one step."""

    enrollment = models.ForeignKey(Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE,
                                   related_name="progress")
    step = models.ForeignKey(TrainingStep, verbose_name=_("step"), null=True, on_delete=models.SET_NULL,
                             related_name="progress")
    step_title = models.CharField(_("step"), max_length=200)  # kept when the step is removed from the path
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    last_opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("time spent (s)"), default=0)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(_("best score"), null=True, blank=True)
    extra_attempts = models.PositiveSmallIntegerField(_("extra attempts"), default=0)
    refresh_requested_at = models.DateTimeField(_("re-read requested"), null=True, blank=True)
    refresh_reason = models.CharField(_("why"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("step progress")
        verbose_name_plural = _("step progress")
        constraints = [models.UniqueConstraint(fields=["enrollment", "step"], name="training_progress_once")]

    def __str__(self):
        return f"{self.enrollment} · {self.step_title}"

    @property
    def minutes_spent(self):
        return round(self.seconds_spent / 60)


class QuizAttempt(models.Model):
    """One try at a step's quiz. The drawn questions are copied in, so later edits to the bank
    never change a result."""

    progress = models.ForeignKey(StepProgress, verbose_name=_("step progress"), on_delete=models.CASCADE,
                                 related_name="attempts")
    questions = models.JSONField(_("questions"), default=list)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["started_at", "pk"]

    def __str__(self):
        return f"{self.progress} · {self.score}"


class Reminder(models.Model):
    """A reminder sent once: due soon, overdue (again each week), or a re-read request."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    enrollment = models.ForeignKey(Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE,
                                   related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    bucket = models.CharField(max_length=40)  # what makes it once: the due date, the week overdue
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    email_error = models.CharField(_("email error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["enrollment", "kind", "bucket"], name="training_reminder_once")]

    def __str__(self):
        return f"{self.enrollment} · {self.kind} {self.bucket}"
