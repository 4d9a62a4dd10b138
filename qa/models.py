"""Knowledge Q&A (知识问答): questions tagged with dimension nodes, answers, comments, and the
history of every edit. Nothing here is ever deleted from the database by the portal: a deleted
post is marked (``deleted_at``) and waits in the Q&A trash until a knowledge manager restores it."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PostQuerySet(models.QuerySet):
    def visible(self):
        """Posts not in the trash."""
        return self.filter(deleted_at__isnull=True)

    def trashed(self):
        return self.filter(deleted_at__isnull=False)


class Post(models.Model):
    """What questions, answers and comments share: a text, its version counter (for edits that
    cross), the marks of the trash, and the token of the form that sent it (a second submit of
    the same form finds the first post instead of making another)."""

    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")  # of the current version, if edited
    submission_token = models.CharField(max_length=40, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("deleted by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = PostQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def current_writer(self):
        """Who wrote the current version: its last editor, or the author."""
        return self.edited_by if self.edited_by_id else self.author


class Question(Post):
    class Status(models.TextChoices):
        OPEN = "open", _("Unanswered")
        ANSWERED = "answered", _("Answered")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(_("question"), max_length=255)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT,
                                 related_name="qa_questions")
    nodes = models.ManyToManyField("knowledge.DimensionNode", verbose_name=_("dimensions"), blank=True,
                                   related_name="qa_questions", limit_choices_to={"merged_into__isnull": True})
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    accepted_answer = models.ForeignKey("Answer", verbose_name=_("accepted answer"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    promoted_kind = models.CharField(_("promoted to"), max_length=10, blank=True)  # "faq" or "article"
    promoted_key = models.CharField(_("promoted to"), max_length=100, blank=True, db_index=True)
    promoted_url = models.CharField(max_length=1024, blank=True)
    promoted_title = models.CharField(max_length=255, blank=True)
    promoted_answer = models.ForeignKey("Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["asked_by", "submission_token"], condition=~models.Q(submission_token=""),
                                    name="qa_question_submitted_once"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("qa:detail", args=[self.pk])

    @property
    def author(self):
        return self.asked_by

    @property
    def author_id(self):
        return self.asked_by_id

    @property
    def search_key(self):
        return f"{self._meta.label_lower}:{self.pk}"


class Answer(Post):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE,
                                 related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="qa_answers")

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "submission_token"], condition=~models.Q(submission_token=""),
                                    name="qa_answer_submitted_once"),
        ]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"


class Comment(Post):
    """A remark on a question or, with ``answer`` set, on one of its answers."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE,
                                 related_name="comments")
    answer = models.ForeignKey(Answer, verbose_name=_("answer"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="qa_comments")

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "submission_token"], condition=~models.Q(submission_token=""),
                                    name="qa_comment_submitted_once"),
        ]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return f"{self.question.get_absolute_url()}#comment-{self.pk}"


class PostVersion(models.Model):
    """An earlier version of a post, kept when someone saves a change: its text (and for a
    question its title and nodes), who wrote that version and when."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        ANSWER = "answer", _("Answer")
        COMMENT = "comment", _("Comment")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")  # the thread
    kind = models.CharField(max_length=10, choices=Kind.choices)
    post_id = models.BigIntegerField()
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("question"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    node_ids = models.JSONField(default=list, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["kind", "post_id", "number"], name="qa_version_once")]

