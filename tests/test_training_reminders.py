"""Training reminders (KB-11): before the due date and weekly while overdue, in the portal and
by email, run by the scheduler; never twice, failed emails retried."""
from datetime import timedelta
from io import StringIO
from smtplib import SMTPException

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification, UserProfile
from training.models import Enrollment, Reminder
from training.services import progress as svc
from training.services.reminders import send_reminders
from training.tasks import send_reminders as send_reminders_task

from .factories import add_article, add_path, make_user
from .utils import wait_for

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(BaseEmailBackend):
    """The mail server is down."""

    def send_messages(self, messages):
        raise SMTPException("连接被拒绝 (connection refused)")


@pytest.fixture
def world(portal, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.ZHIKU_TRAINING_REMIND_DAYS = 3
    settings.WAGTAILADMIN_BASE_URL = "http://zhiku.example/"
    today = timezone.localdate()
    article = add_article(portal.research, "信息安全须知", portal.users.editor)
    boss = make_user("boss")
    learner = make_user("learner")
    UserProfile.objects.create(user=learner, manager=boss)
    with django_capture_on_commit_callbacks(execute=True):
        path = add_path("信息安全培训", [{"kind": "article", "page": article}], assignments=[
            {"target_type": "user", "user": learner, "due_date": today + timedelta(days=10)}])
    enrollment = Enrollment.objects.get(user=learner, path=path)
    return enrollment, today


def notices(verb=None):
    found = Notification.objects.filter(verb__in=["training_due", "training_overdue"])
    return found.filter(verb=verb) if verb else found


def test_due_soon_reminder_once_per_due_date(world):
    enrollment, today = world
    due = enrollment.due_date
    assert send_reminders(due - timedelta(days=4)).reminded == 0  # not yet
    outcome = send_reminders(due - timedelta(days=3))
    assert (outcome.reminded, outcome.emailed, outcome.failed) == (1, 1, 0)
    notice = notices("training_due").get()
    assert notice.user == enrollment.user and "信息安全培训" in notice.title
    assert notice.url == reverse("training:enrollment", args=[enrollment.pk])
    message = mail.outbox[0]
    assert message.to == ["learner@example.com"] and "信息安全培训" in message.subject
    assert "http://zhiku.example" + reverse("training:enrollment", args=[enrollment.pk]) in message.body
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.bucket, reminder.email_error) == ("due_soon", due.isoformat(), "")
    assert reminder.emailed_at is not None

    # The next days, and a second run the same day, send nothing more.
    for day in (due - timedelta(days=3), due - timedelta(days=1), due):
        assert send_reminders(day).reminded == 0
    assert notices().count() == 1 and len(mail.outbox) == 1

    # A new due date is reminded of again.
    Enrollment.objects.filter(pk=enrollment.pk).update(due_date=due + timedelta(days=7))
    assert send_reminders(due + timedelta(days=6)).reminded == 1
    assert notices().count() == 2 and len(mail.outbox) == 2


def test_remind_days_setting(world, settings):
    enrollment, _today = world
    settings.ZHIKU_TRAINING_REMIND_DAYS = 7
    assert send_reminders(enrollment.due_date - timedelta(days=7)).reminded == 1


def test_overdue_weekly_to_learner_and_manager(world):
    enrollment, _today = world
    due = enrollment.due_date
    outcome = send_reminders(due + timedelta(days=1))
    assert (outcome.reminded, outcome.emailed) == (2, 2)
    learner_notice = notices("training_overdue").get(user=enrollment.user)
    boss_notice = notices("training_overdue").get(user__username="boss")
    assert learner_notice.url == reverse("training:enrollment", args=[enrollment.pk])
    assert boss_notice.url == reverse("training:person", args=[enrollment.user_id])
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.com", "learner@example.com"]
    boss_mail = next(m for m in mail.outbox if m.to == ["boss@example.com"])
    assert "learner" in boss_mail.body and reverse("training:person", args=[enrollment.user_id]) in boss_mail.body

    for days in (1, 3, 7):  # the rest of the first week: nothing new
        assert send_reminders(due + timedelta(days=days)).reminded == 0
    assert send_reminders(due + timedelta(days=8)).reminded == 2  # week two
    assert send_reminders(due + timedelta(days=8)).reminded == 0
    assert send_reminders(due + timedelta(days=15)).reminded == 2  # week three
    assert notices("training_overdue").filter(user=enrollment.user).count() == 3
    assert notices("training_overdue").filter(user__username="boss").count() == 3
    assert len(mail.outbox) == 6
    assert sorted(Reminder.objects.values_list("bucket", flat=True)) == [
        f"{due}:1", f"{due}:1:manager", f"{due}:2", f"{due}:2:manager", f"{due}:3", f"{due}:3:manager"]


def test_failed_email_is_recorded_and_retried_without_resending(world, settings):
    enrollment, _today = world
    day = enrollment.due_date + timedelta(days=2)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    outcome = send_reminders(day)
    assert (outcome.reminded, outcome.emailed, outcome.failed) == (2, 0, 2)
    assert notices().count() == 2  # the portal still has them
    for reminder in Reminder.objects.all():
        assert reminder.emailed_at is None and "connection refused" in reminder.email_error

    outcome = send_reminders(day)  # still down: tried again, no new notification
    assert (outcome.reminded, outcome.failed) == (0, 2) and notices().count() == 2

    settings.EMAIL_BACKEND = LOCMEM
    outcome = send_reminders(day)
    assert (outcome.reminded, outcome.emailed, outcome.failed) == (0, 2, 0)
    assert len(mail.outbox) == 2 and notices().count() == 2
    assert all(r.emailed_at and not r.email_error for r in Reminder.objects.all())
    send_reminders(day)
    assert len(mail.outbox) == 2  # sent ones are never sent again


def test_only_one_of_two_emails_failing_resends_only_that_one(world, settings):
    enrollment, _today = world
    boss = enrollment.user.profile.manager
    type(boss).objects.filter(pk=boss.pk).update(email="")
    day = enrollment.due_date + timedelta(days=1)
    outcome = send_reminders(day)
    assert (outcome.reminded, outcome.emailed) == (2, 1)
    assert Reminder.objects.get(bucket__endswith=":manager").email_error
    type(boss).objects.filter(pk=boss.pk).update(email="boss@example.com")
    assert send_reminders(day).emailed == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.com", "learner@example.com"]


def test_finished_withdrawn_and_inactive_are_not_reminded(world):
    enrollment, _today = world
    day = enrollment.due_date + timedelta(days=1)
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=timezone.now())
    assert send_reminders(day).reminded == 0
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=None, withdrawn_at=timezone.now())
    assert send_reminders(day).reminded == 0
    Enrollment.objects.filter(pk=enrollment.pk).update(withdrawn_at=None)
    type(enrollment.user).objects.filter(pk=enrollment.user_id).update(is_active=False)
    assert send_reminders(day).reminded == 0
    assert not notices().exists() and not mail.outbox


def test_completing_the_path_stops_the_reminders(world):
    enrollment, _today = world
    assert send_reminders(enrollment.due_date + timedelta(days=1)).reminded == 2
    step = enrollment.path.steps.get()
    svc.open_step(enrollment, step)
    svc.confirm_step(enrollment, step)
    assert send_reminders(enrollment.due_date + timedelta(days=8)).reminded == 0


def test_management_command_and_schedule(world):
    enrollment, _today = world
    out = StringIO()
    call_command("training_remind", "--date", (enrollment.due_date - timedelta(days=1)).isoformat(), stdout=out)
    assert out.getvalue().startswith("1 reminder(s), 1 email(s) sent, 0 failed")
    call_command("training_remind", "--date", (enrollment.due_date - timedelta(days=1)).isoformat(), stdout=out)
    assert notices().count() == 1 and len(mail.outbox) == 1
    call_command("training_remind", stdout=StringIO())  # today: ten days early, nothing
    assert notices().count() == 1
    schedule = django_settings.CELERY_BEAT_SCHEDULE["training-send-reminders"]
    assert schedule["task"] == "training.tasks.send_reminders"


@pytest.mark.worker
def test_the_scheduler_task_runs_in_the_worker(worker, portal, settings):
    settings.EMAIL_BACKEND = LOCMEM
    article = add_article(portal.research, "保密制度", portal.users.editor)
    learner = make_user("learner")
    add_path("保密培训", [{"kind": "article", "page": article}], assignments=[
        {"target_type": "user", "user": learner, "due_date": timezone.localdate() + timedelta(days=1)}])
    enrollment = Enrollment.objects.get(user=learner)  # enrolled on commit: this test commits
    send_reminders_task.delay()
    wait_for(lambda: Reminder.objects.filter(enrollment=enrollment, emailed_at__isnull=False).exists())
    assert Notification.objects.filter(user=learner, verb="training_due").count() == 1
    assert [m.to for m in mail.outbox] == [["learner@example.com"]]
