"""Reminders (KB-11): before a path is due and while it is overdue, in the portal and by email.

Run daily by the scheduler (training.tasks.send_reminders) or by hand (training_remind). The
Reminder row decides: one per (enrollment, kind, bucket), made once with its portal
notification, so running again sends nothing twice:

* due soon: once per due date, when it is ZHIKU_TRAINING_REMIND_DAYS days away or less
  (bucket: the due date, so a new due date is reminded of again);
* overdue: once per week overdue (bucket "<due date>:<week>"), and the same for the learner's
  manager (bucket "<due date>:<week>:manager").

Emails follow the rows: a failed one keeps its error and is tried again on the next run while
its reminder is still the current one; one sent is never sent again.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from portal.models import Notification

from ..models import Enrollment, Reminder
from .progress import path_state
from .reports import person_name

logger = logging.getLogger("zhiku.training")

MANAGER = "manager"  # bucket suffix of the overdue reminders that go to the learner's manager


def remind_days():
    return int(getattr(settings, "ZHIKU_TRAINING_REMIND_DAYS", 3))


def pending_enrollments():
    """Enrollments someone still has to finish by a date."""
    return Enrollment.objects.current().filter(completed_at=None, due_date__isnull=False, user__is_active=True)


def manager_of(user):
    profile = getattr(user, "profile", None)
    manager = profile.manager if profile is not None and profile.manager_id else None
    return manager if manager is not None and manager.is_active else None


def reminders_due(enrollment, today):
    """[(kind, bucket)]: the reminders ``enrollment`` should have had by ``today``."""
    due = enrollment.due_date
    if today <= due <= today + timedelta(days=remind_days()):
        return [(Reminder.Kind.DUE_SOON, due.isoformat())]
    if due < today:
        week = ((today - due).days - 1) // 7 + 1  # the first seven days overdue are week 1
        bucket = f"{due.isoformat()}:{week}"
        found = [(Reminder.Kind.OVERDUE, bucket)]
        if manager_of(enrollment.user) is not None:
            found.append((Reminder.Kind.OVERDUE, f"{bucket}:{MANAGER}"))
        return found
    return []


@dataclass
class Outcome:
    reminded: int = 0  # new reminders (each with its portal notification)
    emailed: int = 0
    failed: int = 0  # emails that failed this time; tried again on the next run

    def __str__(self):
        return f"{self.reminded} reminder(s), {self.emailed} email(s) sent, {self.failed} failed"


class Letter:
    """What one reminder says, to whom."""

    def __init__(self, reminder, enrollment):
        self.reminder, self.enrollment = reminder, enrollment
        self.learner = enrollment.user
        self.for_manager = reminder.bucket.endswith(f":{MANAGER}")
        self.recipient = manager_of(self.learner) if self.for_manager else self.learner
        self.overdue = reminder.kind == Reminder.Kind.OVERDUE
        self.values = {"path": enrollment.path.title, "date": formats.date_format(enrollment.due_date),
                       "name": person_name(self.learner)}

    @property
    def link(self):
        if self.for_manager:
            return reverse("training:person", args=[self.learner.pk])
        return reverse("training:enrollment", args=[self.enrollment.pk])

    @property
    def verb(self):
        return "training_overdue" if self.overdue else "training_due"

    @property
    def title(self):
        if self.for_manager:
            return _("%(name)s: “%(path)s” was due on %(date)s") % self.values
        if self.overdue:
            return _("“%(path)s” was due on %(date)s") % self.values
        return _("“%(path)s” is due on %(date)s") % self.values

    @property
    def subject(self):
        if self.for_manager:
            return _("Training overdue: %(name)s, %(path)s") % self.values
        if self.overdue:
            return _("Training overdue: %(path)s") % self.values
        return _("Training due soon: %(path)s") % self.values

    def body(self):
        state = path_state(self.enrollment)
        url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + self.link
        if self.for_manager:
            lines = [
                _("Hello %(name)s,") % {"name": person_name(self.recipient)},
                "",
                _("%(name)s has not completed the training path “%(path)s”, which was due on %(date)s.")
                % self.values,
            ]
        else:
            lines = [
                _("Hello %(name)s,") % self.values,
                "",
                (_("The training path “%(path)s” was due on %(date)s and is not complete yet.") if self.overdue
                 else _("The training path “%(path)s” is due on %(date)s.")) % self.values,
            ]
        lines += [
            _("Progress: %(done)d of %(total)d required steps done.")
            % {"done": state.done_count, "total": len(state.required)},
            "",
            (_("Their training record: %(url)s") if self.for_manager else _("Continue here: %(url)s"))
            % {"url": url},
            "",
            _("This is an automatic reminder from Zhiku."),
        ]
        return "\n".join(lines) + "\n"


def send_reminders(today=None):
    """Remind everyone due soon or overdue on ``today`` (default: the local date). Safe to run
    any number of times a day."""
    today = today or timezone.localdate()
    outcome = Outcome()
    horizon = today + timedelta(days=remind_days())
    enrollments = (pending_enrollments().filter(due_date__lte=horizon)
                   .select_related("user__profile__manager", "path").order_by("pk"))
    # Read by others, later, in mail clients: the portal's language, not the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        to_email = []
        for enrollment in enrollments:
            for kind, bucket in reminders_due(enrollment, today):
                with transaction.atomic():  # the row and its notification, or neither
                    reminder, created = Reminder.objects.get_or_create(enrollment=enrollment, kind=kind, bucket=bucket)
                    if created:
                        _notify(Letter(reminder, enrollment))
                        outcome.reminded += 1
                if reminder.emailed_at is None:
                    to_email.append(Letter(reminder, enrollment))
        _send_emails(to_email, outcome)
    return outcome


def _notify(letter):
    if letter.recipient is None:
        return
    enrollment, reminder = letter.enrollment, letter.reminder
    Notification.objects.notify(
        [letter.recipient], letter.verb, letter.title, url=letter.link,
        dedupe_key=f"training-{reminder.kind}:{enrollment.pk}:{reminder.bucket}",
    )


def _send_emails(letters, outcome):
    if not letters:
        return
    connection = get_connection()
    try:
        for letter in letters:
            _send_email(letter, connection, outcome)
    finally:
        connection.close()


def _send_email(letter, connection, outcome):
    reminder = letter.reminder
    rows = Reminder.objects.filter(pk=reminder.pk)
    address = letter.recipient.email if letter.recipient is not None else ""
    if not address:
        rows.update(email_error=_("No email address."))  # looked at again next time: one may be added
        return
    # Claimed before sending, so two runs at once never both send it; released if sending fails.
    if not rows.filter(emailed_at=None).update(emailed_at=timezone.now()):
        return
    message = EmailMessage(letter.subject, letter.body(), to=[address], connection=connection)
    try:
        message.send()
    except Exception as error:  # SMTP down, address refused...: recorded, tried again next run
        logger.warning("training reminder %s: email to %s failed: %s", reminder.pk, address, error)
        rows.update(emailed_at=None, email_error=(str(error) or type(error).__name__)[:255])
        outcome.failed += 1
    else:
        rows.update(email_error="")
        outcome.emailed += 1
