"""Keep enrollments in step with people and paths."""
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from wagtail.signals import published, unpublished

from knowledge.changes import significant_change
from portal.models import UserProfile

from .models import TrainingPath
from .services.assignments import sync_path, sync_user
from .services.refresher import request_refreshers


@receiver(post_save, sender=UserProfile)
def enroll_on_profile_change(sender, instance, raw=False, **kwargs):
    """A new hire, or someone who moved to another position or department, gets that
    position's and department's paths."""
    if not raw:
        user = instance.user
        transaction.on_commit(lambda: sync_user(user))


@receiver(m2m_changed, sender=get_user_model().groups.through)
def enroll_on_group_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    users = [instance] if not reverse else list(get_user_model().objects.filter(pk__in=pk_set or []))
    if reverse and action == "post_clear":
        return  # a group emptied: its members' sync runs when the assignments' path is next published
    for user in users:
        transaction.on_commit(lambda user=user: sync_user(user))


@receiver(published, sender=TrainingPath)
@receiver(unpublished, sender=TrainingPath)
def enroll_on_publish(sender, instance, **kwargs):
    transaction.on_commit(lambda: sync_path(instance))


@receiver(significant_change)
def ask_to_reread(sender, key, title, when, version="", **kwargs):
    """An item changed significantly: learners who completed it are asked to read it again."""
    request_refreshers(key, title, when, version)
