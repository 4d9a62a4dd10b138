"""Refreshers (KB-11): when an item a required step covers gets a significant new version,
learners who completed that step before it are asked to read it again.

The path stays completed (Enrollment.completed_at is history); the step shows "re-read" and
the path "needs a refresher" until the learner completes the step again (progress.confirm_step
or a passed quiz clear the request).
"""
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Notification

from ..models import StepKind, StepProgress, TrainingPath, TrainingStep
from .progress import step_keys


def steps_covering(key):
    """The required steps of available paths whose items include ``key``."""
    pk = key.rpartition(":")[2]
    # Articles and documents name their item; anthologies and FAQ groups must be looked into.
    may_cover = Q(kind__in=[StepKind.ANTHOLOGY, StepKind.FAQ_GROUP])
    if pk.isdigit():
        may_cover |= Q(kind=StepKind.ARTICLE, page_id=int(pk)) | Q(kind=StepKind.DOCUMENT, document_id=int(pk))
    candidates = (TrainingStep.objects.filter(may_cover, required=True, path__in=TrainingPath.objects.available())
                  .select_related("page", "document", "anthology", "faq_node"))
    return [step for step in candidates if key in step_keys(step)]


def request_refreshers(key, title, when, version=""):
    """Ask everyone who completed a step covering ``key`` before ``when`` (and was not asked
    yet) to re-read it, with one notification each. Returns how many were asked. Safe to run
    again for the same change: who was asked, or re-read since, is left alone."""
    steps = steps_covering(key)
    if not steps:
        return 0
    now = timezone.now()
    rows = list(
        StepProgress.objects.filter(
            step__in=steps, completed_at__isnull=False, completed_at__lt=when, refresh_requested_at__isnull=True,
            enrollment__withdrawn_at__isnull=True, enrollment__user__is_active=True,
        ).select_related("enrollment__user", "enrollment__path")
    )
    if not rows:
        return 0
    change = f"{key}@{version or when.isoformat()}"
    with translation.override(settings.LANGUAGE_CODE):  # stored and read by others: the portal's language
        reason = (_("“%(title)s” has changed significantly") % {"title": title})[:255]
        asked = StepProgress.objects.filter(pk__in=[p.pk for p in rows], refresh_requested_at__isnull=True).update(
            refresh_requested_at=now, refresh_reason=reason)
        for progress in rows:
            enrollment = progress.enrollment
            Notification.objects.notify(
                [enrollment.user], "training_refresh",
                _("Please re-read “%(item)s” (%(path)s)") % {"item": title, "path": enrollment.path.title},
                url=reverse("training:step", args=[enrollment.pk, progress.step_id]),
                dedupe_key=f"training-refresh:{progress.pk}:{change}",
            )
    return asked
