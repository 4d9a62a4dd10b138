"""Who is enrolled in which path: assignments turned into enrollments.

Enrollments follow the assignments of published, unarchived paths. ``sync_user`` is the one
rule, run when a person's profile, groups or the assignments change: it enrolls everyone an
assignment covers, and withdraws an enrollment nobody assigns any more, but only while the
learner has not started it (what someone learned is never thrown away).
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Department, Notification

from ..models import Assignment, AssignmentTarget, Enrollment, TrainingPath


def department_ids_with_descendants(department_ids):
    """The departments and everything below them (the chart is small; walked in memory)."""
    children = {}
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), list(department_ids)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def _enclosing_departments(department_id):
    """The department and all its parents."""
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    found = []
    while department_id and department_id not in found:
        found.append(department_id)
        department_id = parents.get(department_id)
    return found


def assignments_covering(user):
    """The effective assignments that name ``user``: directly, through a group, their
    department (or one above it) or their position."""
    profile = getattr(user, "profile", None)
    query = Q(target_type=AssignmentTarget.USER, user=user)
    query |= Q(target_type=AssignmentTarget.GROUP, group__in=user.groups.all())
    if profile is not None and profile.department_id:
        query |= Q(target_type=AssignmentTarget.DEPARTMENT,
                   department_id__in=_enclosing_departments(profile.department_id))
    if profile is not None and profile.position_id:
        query |= Q(target_type=AssignmentTarget.POSITION, position_id=profile.position_id)
    return Assignment.objects.filter(query, path__in=TrainingPath.objects.available()).select_related("path")


def people_covered(assignment):
    """The active users an assignment names."""
    users = get_user_model().objects.filter(is_active=True)
    if assignment.target_type == AssignmentTarget.USER:
        return users.filter(pk=assignment.user_id)
    if assignment.target_type == AssignmentTarget.GROUP:
        return users.filter(groups=assignment.group_id)
    if assignment.target_type == AssignmentTarget.DEPARTMENT:
        return users.filter(profile__department_id__in=department_ids_with_descendants([assignment.department_id]))
    return users.filter(profile__position_id=assignment.position_id)


def _due(assignment, enrolled_at):
    if assignment.due_date:
        return assignment.due_date
    if assignment.due_days is not None:
        return timezone.localdate(enrolled_at) + timedelta(days=assignment.due_days)
    return None


def _earliest(dates):
    dates = [d for d in dates if d]
    return min(dates) if dates else None


def _has_progress(enrollment):
    return enrollment.started_at is not None or enrollment.progress.exclude(opened_at=None).exists()


def sync_user(user):
    """Enroll ``user`` in every path assigned to them and withdraw what no longer is.
    Returns the enrollments created or brought back."""
    if not user.is_active:
        return []
    now = timezone.now()
    by_path = {}
    for assignment in assignments_covering(user):
        by_path.setdefault(assignment.path_id, []).append(assignment)
    existing = {e.path_id: e for e in Enrollment.objects.filter(user=user)}
    enrolled = []
    for path_id, assignments in by_path.items():
        enrollment = existing.get(path_id)
        if enrollment is None:
            try:
                with transaction.atomic():
                    enrollment = Enrollment.objects.create(
                        user=user, path_id=path_id, assigned_at=now,
                        due_date=_earliest(_due(a, now) for a in assignments))
            except IntegrityError:  # enrolled by a parallel sync
                continue
            enrolled.append(enrollment)
        else:
            due = _earliest(_due(a, enrollment.assigned_at) for a in assignments)
            changes = {}
            if enrollment.withdrawn_at is not None:
                changes["withdrawn_at"] = None
                enrolled.append(enrollment)
            if due != enrollment.due_date and enrollment.completed_at is None:
                changes["due_date"] = due
            if changes:
                Enrollment.objects.filter(pk=enrollment.pk).update(**changes)
    for path_id, enrollment in existing.items():
        if path_id not in by_path and enrollment.withdrawn_at is None and enrollment.completed_at is None:
            if _has_progress(enrollment):
                continue  # started: keep it, the learner may finish what they began
            Enrollment.objects.filter(pk=enrollment.pk).update(withdrawn_at=now)
    _notify_enrolled(user, enrolled)
    return enrolled


def _notify_enrolled(user, enrollments):
    for enrollment in enrollments:
        path = TrainingPath.objects.get(pk=enrollment.path_id)
        Notification.objects.notify(
            [user], "training_assigned", _("Training assigned: %(title)s") % {"title": path.title},
            url=reverse("training:enrollment", args=[enrollment.pk]),
            dedupe_key=f"training-assigned:{enrollment.pk}:{enrollment.assigned_at:%Y%m%d%H%M%S}",
        )


def sync_path(path):
    """After a path is published, archived or its assignments change: bring everyone it
    covers, or covered before, up to date."""
    users = get_user_model().objects.none()
    for assignment in Assignment.objects.filter(path=path):
        users = users | people_covered(assignment)
    previously = get_user_model().objects.filter(enrollments__path=path)
    for user in (users | previously).distinct():
        sync_user(user)


def active_enrollments(user):
    """What ``user`` is learning or has learned, on paths still offered."""
    return (Enrollment.objects.current().filter(user=user)
            .select_related("path"))
