"""The message centre's channels (OA-02): notifications sent on by e-mail and SMS, and the daily
digest. Run by the worker (portal.tasks); ``Notification.objects.notify`` plans the deliveries.

Never twice: a delivery is claimed with a conditional UPDATE (pending → sending) before anything
is sent, so a task that runs again (a retried or duplicated message, the stalled-delivery sweep)
finds the row taken and sends nothing. A failure worth another try puts the row back to pending
with a later ``next_attempt_at`` and the task retries with exponential backoff; after
MAX_ATTEMPTS, or at once for a permanent failure, the row is failed with the error kept.
"""
import logging
import smtplib
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import DIGEST, Delivery, Digest, Notification, UserProfile
from portal.sms import SMSError, get_backend, setting

logger = logging.getLogger("zhiku.messages")

MAX_ATTEMPTS = 6  # the first try and five retries
STALE_PENDING = timedelta(minutes=5)  # a pending row this far past its time lost its task message
STALE_SENDING = timedelta(minutes=10)  # a send this old was interrupted (the worker died)
SMS_MAX_CHARS = 70  # one SMS of Chinese text
DIGEST_MAX_ITEMS = 50


class DeliveryError(Exception):
    def __init__(self, message, retryable=False):
        super().__init__(message)
        self.retryable = retryable


class RetryLater(Exception):
    """Raised by send_delivery when the row is waiting for another try in ``countdown`` seconds."""

    def __init__(self, message, countdown):
        super().__init__(message)
        self.countdown = countdown


def base_url():
    return (setting("ZHIKU_BASE_URL") or settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def retry_delay(attempts):
    """Seconds before try ``attempts + 1``: 30, 60, 120, 240, 480 by default."""
    return float(setting("ZHIKU_DELIVERY_RETRY_SECONDS", "30")) * 2 ** (attempts - 1)


# --- One delivery ---------------------------------------------------------------------------

def send_delivery(delivery_id):
    """Send delivery ``delivery_id`` if it is waiting. Returns its status after this call, or
    None when there was nothing for this call to send (sent or sending already, failed, gone).
    Raises RetryLater when it failed in a way worth another try."""
    waiting = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
    # Read before the claim: on SQLite any write waits for an open write transaction, even one
    # that matches no row, and the row may be one the worker cannot see yet (or any more).
    if not waiting.exists():
        return None
    if not waiting.update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()):
        return None  # another worker claimed it in between
    delivery = Delivery.objects.select_related("notification__user").get(pk=delivery_id)
    try:
        reference = SENDERS[delivery.channel](delivery)
    except DeliveryError as error:
        return _failed(delivery, error)
    except Exception as error:  # a bug or a broken backend: whether it sent is unknown, so never again
        logger.exception("delivery %s crashed", delivery.pk)
        return _failed(delivery, DeliveryError(f"{type(error).__name__}: {error}"))
    _settle(delivery, status=Delivery.Status.SENT, sent_at=timezone.now(), provider_reference=(reference or "")[:100],
            last_error="")
    return Delivery.Status.SENT


def _failed(delivery, error):
    if error.retryable and delivery.attempts < MAX_ATTEMPTS:
        delay = retry_delay(delivery.attempts)
        _settle(delivery, status=Delivery.Status.PENDING, last_error=str(error),
                next_attempt_at=timezone.now() + timedelta(seconds=delay))
        raise RetryLater(str(error), delay)
    logger.warning("delivery %s (%s) failed after %d attempt(s): %s", delivery.pk, delivery.channel,
                   delivery.attempts, error)
    _settle(delivery, status=Delivery.Status.FAILED, last_error=str(error))
    return Delivery.Status.FAILED


def _settle(delivery, **fields):
    # Only while it is still ours: the stalled-delivery sweep may have given up on it meanwhile.
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(updated_at=timezone.now(), **fields)


def open_url(notification):
    """The link in e-mails: opens the notice (marking it read) and goes on to the thing."""
    return base_url() + reverse("personal:notification_open", args=[notification.pk])


def _send_email(delivery):
    notification = delivery.notification
    user = notification.user
    if not user.email:
        raise DeliveryError("the user has no e-mail address")
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(f"{notification.verb_label}: {notification.title}".split())  # one header line
        body = render_to_string("portal/email/notification.txt", {
            "notification": notification, "user": user, "open_url": open_url(notification),
            "settings_url": base_url() + reverse("personal:notification_settings"),
        })
    # The same Message-ID on every try of this delivery: a repeat is recognisable as one.
    message = EmailMessage(subject, body, to=[user.email], headers={
        "Message-ID": f"<{delivery.reference}@{urlsplit(base_url()).hostname or 'zhiku'}>"})
    _send_mail(message)
    return message.extra_headers["Message-ID"]


def _send_mail(message):
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"recipient refused: {error}") from error
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"mail server: {error.smtp_code} {error.smtp_error!r}",
                            retryable=error.smtp_code < 500) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"mail server: {error}", retryable=True) from error


def sms_text(notification):
    with translation.override(settings.LANGUAGE_CODE):
        text = _("%(what)s: %(title)s") % {"what": notification.verb_label, "title": notification.title}
    # No link: SMS templates do not accept URLs in variables.
    return text if len(text) <= SMS_MAX_CHARS else text[:SMS_MAX_CHARS - 1] + "…"


def _send_sms(delivery):
    mobile = UserProfile.objects.filter(user_id=delivery.notification.user_id).values_list("mobile", flat=True).first()
    if not mobile:
        raise DeliveryError("the user has no mobile number")
    try:
        return get_backend().send(mobile, sms_text(delivery.notification), delivery.reference)
    except SMSError as error:
        raise DeliveryError(str(error), retryable=error.retryable) from error


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.SMS: _send_sms}


# --- The sweep for lost tasks ---------------------------------------------------------------

def retry_stalled(now=None):
    """Queue again the deliveries whose task message was lost. Returns how many were queued;
    running it again at once queues none of them a second time."""
    from portal.tasks import send_delivery as send_task

    now = now or timezone.now()
    interrupted = Delivery.objects.filter(status=Delivery.Status.SENDING, updated_at__lt=now - STALE_SENDING)
    # An SMS interrupted mid-send may have gone out, and Aliyun's SendSms is not idempotent (its
    # OutId only labels receipts): it is not sent again.
    interrupted.filter(channel=Delivery.Channel.SMS).update(
        status=Delivery.Status.FAILED, updated_at=now,
        last_error="interrupted while sending; it may have been sent, so it is not sent again")
    # An interrupted e-mail goes out again under the same Message-ID, a few times at most.
    interrupted.filter(channel=Delivery.Channel.EMAIL, attempts__lt=MAX_ATTEMPTS).update(
        status=Delivery.Status.PENDING, next_attempt_at=now - STALE_PENDING, updated_at=now)
    interrupted.filter(channel=Delivery.Channel.EMAIL).update(
        status=Delivery.Status.FAILED, updated_at=now, last_error="interrupted while sending too often")

    stalled = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now - STALE_PENDING)
    ids = list(stalled.values_list("pk", flat=True))
    # Their clocks restart, so the next sweep leaves the new messages time to be consumed.
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(next_attempt_at=now)
    for pk in ids:
        send_task.delay(pk)
    return len(ids)


# --- The daily digest -----------------------------------------------------------------------

def digest_window(day):
    """The previous local day: the digest of ``day`` lists what arrived then and is still unread."""
    start = timezone.make_aware(datetime.combine(day - timedelta(days=1), time.min))
    return start, start + timedelta(days=1)


def send_digests(day=None):
    """One e-mail per person who chose the digest and has unread notices from the day before
    ``day`` (default: today). Returns how many were sent; a second run for the same day sends
    none (one Digest row per person and day), a failed one is tried again."""
    day = day or timezone.localdate()
    start, end = digest_window(day)
    people = {user.pk: user for user in get_user_model().objects.filter(
        notification_preferences__kind=DIGEST, notification_preferences__email=True, is_active=True,
    ).exclude(email="")}
    unread = {}
    for notice in (Notification.objects.unread().filter(user_id__in=people, created_at__gte=start, created_at__lt=end)
                   .order_by("created_at", "pk")):
        unread.setdefault(notice.user_id, []).append(notice)
    sent = 0
    for user_id, notices in unread.items():
        digest = _claim_digest(people[user_id], day)
        if digest is None:
            continue
        try:
            _send_mail(_digest_message(people[user_id], day, notices))
        except DeliveryError as error:
            Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.FAILED, last_error=str(error))
            logger.warning("digest for user %s on %s failed: %s", user_id, day, error)
            continue
        Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.SENT, sent_at=timezone.now(),
                                                   notification_count=len(notices), last_error="")
        sent += 1
    return sent


def _claim_digest(user, day):
    digest, created = Digest.objects.get_or_create(user=user, date=day)
    if created or Digest.objects.filter(pk=digest.pk, status=Digest.Status.FAILED).update(status=Digest.Status.SENDING):
        return digest
    return None  # sent, or being sent by another run


def _digest_message(user, day, notices):
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext("%(count)d unread notification", "%(count)d unread notifications",
                           len(notices)) % {"count": len(notices)}
        body = render_to_string("portal/email/digest.txt", {
            "user": user, "day": day - timedelta(days=1), "count": len(notices),
            "items": [(notice, open_url(notice)) for notice in notices[:DIGEST_MAX_ITEMS]],
            "more": max(0, len(notices) - DIGEST_MAX_ITEMS),
            "list_url": base_url() + reverse("personal:notifications"),
            "settings_url": base_url() + reverse("personal:notification_settings"),
        })
    return EmailMessage(subject, body, to=[user.email])
