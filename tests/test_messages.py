"""The message centre's channels (OA-02): per-kind e-mail/SMS choices, e-mail through Django's
mail settings, SMS through a backend (console; Alibaba Cloud against a local fake of its API),
sending in Celery with retries, never twice; the daily digest once per person and day."""
import json
import threading
import time as clock
from base64 import b64encode
from datetime import date, datetime, timedelta
from hashlib import sha1
from hmac import new as hmac_new
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from smtplib import SMTPException
from urllib.parse import parse_qsl, quote

import pytest
from django.contrib.auth import get_user_model
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal import tasks
from portal.models import KINDS, Delivery, Digest, Notification, NotificationPreference, UserProfile
from portal.services import message_centre
from portal.sms import AliyunSMSBackend, rpc_signature

from .factories import make_user
from .utils import wait_for

ALIYUN = "portal.sms.AliyunSMSBackend"


class FailingBackend(BaseEmailBackend):
    """The mail server is down."""

    def send_messages(self, messages):
        raise SMTPException("connection refused")


@pytest.fixture
def channels(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.ZHIKU_SMS_BACKEND = "portal.sms.ConsoleSMSBackend"
    settings.ZHIKU_BASE_URL = "http://zhiku.example"
    return tmp_path


@pytest.fixture
def people(db, channels):
    alice = make_user("alice")
    UserProfile.objects.create(user=alice, mobile="13800000001")
    bob = make_user("bob")  # an e-mail address, no mobile number
    return alice, bob


@pytest.fixture
def queued(monkeypatch):
    """The delivery ids notify() queues for the worker once the transaction commits."""
    ids = []
    monkeypatch.setattr(tasks.send_delivery, "delay", ids.append)
    return ids


def notify(users, verb, title="差旅报销单 2026-118", url="/approvals/7/", dedupe_key="", capture=None):
    """notify() with its on-commit callbacks run, as after a real commit."""
    with capture(execute=True):
        return Notification.objects.notify(users, verb, title, url=url, dedupe_key=dedupe_key)


def run(ids):
    """Run the queued send tasks as the worker would (eagerly, with Celery's retries)."""
    for pk in list(ids):
        tasks.send_delivery.apply(args=[pk])
    ids.clear()


def channels_of(notification):
    return sorted(notification.deliveries.values_list("channel", flat=True))


def sms_lines(var_dir):
    path = var_dir / "sms.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def choose(client, **checked):
    """Save the settings page with exactly these boxes ticked."""
    return client.post(reverse("personal:notification_settings"), {name: "1" for name in checked})


# --- Preferences ----------------------------------------------------------------------------

def test_defaults_email_for_approvals_only_and_training_reminders_are_not_emailed_twice(
        people, queued, django_capture_on_commit_callbacks):
    alice, _bob = people
    capture = django_capture_on_commit_callbacks
    assert channels_of(notify([alice], "approval_requested", capture=capture)[0]) == ["email"]
    assert channels_of(notify([alice], "qa_answer", capture=capture)[0]) == []
    assert channels_of(notify([alice], "changed", capture=capture)[0]) == []
    # The training app e-mails its reminders itself, whatever the choice.
    NotificationPreference.objects.create(user=alice, kind="training", email=True)
    assert channels_of(notify([alice], "training_due", capture=capture)[0]) == []
    assert channels_of(notify([alice], "training_assigned", capture=capture)[0]) == ["email"]
    assert channels_of(notify([alice], "something_new", capture=capture)[0]) == []  # kind "other"
    assert len(queued) == 2


def test_preferences_saved_on_the_page_are_respected(people, client_for, queued, mailoutbox, channels,
                                                     django_capture_on_commit_callbacks):
    alice, bob = people
    capture = django_capture_on_commit_callbacks
    client = client_for(alice)
    page = client.get(reverse("personal:notification_settings"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="approvals-email" value="1" checked' in html and 'name="qa-email" value="1" aria' in html
    assert 'id="no-mobile"' not in html and 'id="no-email"' not in html
    for key in KINDS:
        assert f'id="kind-{key}"' in html

    response = choose(client, **{"qa-email": 1, "qa-sms": 1, "digest": 1})
    assert response.status_code == 302
    saved = {p.kind: (p.email, p.sms) for p in NotificationPreference.objects.filter(user=alice)}
    assert saved["approvals"] == (False, False) and saved["qa"] == (True, True) and saved["digest"][0] is True
    html = client.get(reverse("personal:notification_settings")).content.decode()
    assert 'name="qa-sms" value="1" checked' in html and 'name="approvals-email" value="1" aria' in html
    assert 'id="digest" checked' in html

    assert channels_of(notify([alice], "approval_requested", capture=capture)[0]) == []  # e-mail turned off
    answer = notify([alice], "qa_answer", title="如何申请年假？", url="/qa/5/", capture=capture)[0]
    assert channels_of(answer) == ["email", "sms"]
    run(queued)
    assert [m.to for m in mailoutbox] == [["alice@example.com"]] and "如何申请年假？" in mailoutbox[0].subject
    [line] = sms_lines(channels)
    assert "13800000001" in line and "如何申请年假？" in line
    assert set(answer.deliveries.values_list("status", flat=True)) == {"sent"}

    # Bob chose SMS too, but has no mobile number; without an e-mail address, no e-mail either.
    client = client_for(bob)
    assert 'id="no-mobile"' in client.get(reverse("personal:notification_settings")).content.decode()
    choose(client, **{"qa-email": 1, "qa-sms": 1})
    assert channels_of(notify([bob], "qa_answer", capture=capture)[0]) == ["email"]
    get_user_model().objects.filter(pk=bob.pk).update(email="")
    bob.refresh_from_db()
    assert channels_of(notify([bob], "qa_answer", capture=capture)[0]) == []
    assert 'id="no-email"' in client.get(reverse("personal:notification_settings")).content.decode()


def test_settings_and_notifications_are_ones_own(people, client_for, queued, django_capture_on_commit_callbacks):
    alice, bob = people
    capture = django_capture_on_commit_callbacks
    choose(client_for(bob), **{"qa-sms": 1, "subscriptions-email": 1})
    client = client_for(alice)
    html = client.get(reverse("personal:notification_settings")).content.decode()
    assert 'name="qa-sms" value="1" checked' not in html and 'name="subscriptions-email" value="1" checked' not in html

    bobs = notify([bob], "approval_requested", title="鲍勃的报销单", capture=capture)[0]
    alices = notify([alice], "approval_requested", title="爱丽丝的报销单", capture=capture)[0]
    run(queued)
    Delivery.objects.filter(notification=bobs).update(status="failed")
    page = client.get(reverse("personal:notifications")).content.decode()
    assert "爱丽丝的报销单" in page and "鲍勃的报销单" not in page
    assert "delivery-sent" in page and "delivery-failed" not in page  # only her own delivery's status
    assert client.get(reverse("personal:notification_open", args=[bobs.pk])).status_code == 404
    client.post(reverse("personal:notification_read", args=[bobs.pk]))
    bobs.refresh_from_db()
    assert bobs.read_at is None

    choose(client)  # saving hers leaves his alone
    assert NotificationPreference.objects.get(user=bob, kind="qa").sms is True
    assert alices.deliveries.get().status == "sent"


def test_the_page_needs_a_login(client, db):
    response = client.get(reverse("personal:notification_settings"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- notify() -------------------------------------------------------------------------------

def test_notify_dedupes_and_plans_deliveries_in_a_few_queries(db, channels, queued, django_assert_max_num_queries,
                                                              django_capture_on_commit_callbacks):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"u{i}", email=f"u{i}@example.com") for i in range(300)])
    users = list(User.objects.filter(username__startswith="u"))
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=u, kind="approvals", email=False) for u in users[:100]])
    with django_assert_max_num_queries(10), django_capture_on_commit_callbacks(execute=True):
        created = Notification.objects.notify(users + users[:5], "approval_requested", "采购申请", dedupe_key="po:1")
    assert len(created) == 300 and Notification.objects.count() == 300
    assert Delivery.objects.count() == 200 and sorted(queued) == sorted(Delivery.objects.values_list("pk", flat=True))

    # The same event again: no notice, no delivery, nothing queued; others still get theirs.
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert Notification.objects.notify(users, "approval_requested", "采购申请", dedupe_key="po:1") == []
        again = Notification.objects.notify(users[:3] + [make_user("newcomer")], "approval_requested", "采购申请",
                                            dedupe_key="po:1")
    assert [n.user.username for n in again] == ["newcomer"]
    assert Delivery.objects.count() == 201 and queued == [again[0].deliveries.get().pk]


def test_nothing_is_queued_when_the_transaction_rolls_back(people, queued, django_capture_on_commit_callbacks):
    from django.db import transaction

    alice, _bob = people
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            Notification.objects.notify([alice], "approval_requested", "撤回的申请")
            raise RuntimeError
    assert queued == [] and not Delivery.objects.exists()


# --- E-mail and console SMS -----------------------------------------------------------------

def test_email_goes_through_django_mail_with_an_absolute_link(people, queued, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    alice, _bob = people
    notice = notify([alice], "approval_requested", capture=django_capture_on_commit_callbacks)[0]
    run(queued)
    [message] = mailoutbox
    assert message.to == ["alice@example.com"] and "差旅报销单 2026-118" in message.subject
    assert f"http://zhiku.example{reverse('personal:notification_open', args=[notice.pk])}" in message.body
    assert "http://zhiku.example" + reverse("personal:notification_settings") in message.body
    delivery = notice.deliveries.get()
    assert message.extra_headers["Message-ID"] == f"<zhiku-{delivery.pk}@zhiku.example>"
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert delivery.provider_reference == f"<zhiku-{delivery.pk}@zhiku.example>"
    assert delivery.sent_at is not None


def test_email_failure_is_retried_then_failed_with_the_error(people, queued, mailoutbox, settings,
                                                            django_capture_on_commit_callbacks):
    alice, _bob = people
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    notice = notify([alice], "approval_requested", capture=django_capture_on_commit_callbacks)[0]
    delivery = notice.deliveries.get()
    with pytest.raises(message_centre.RetryLater) as wait:
        message_centre.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert wait.value.countdown == 30 and delivery.status == "pending" and delivery.attempts == 1
    assert "connection refused" in delivery.last_error and delivery.next_attempt_at > timezone.now()

    run(queued)  # Celery retries (eagerly here) until the attempts are used up
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", message_centre.MAX_ATTEMPTS)
    assert "connection refused" in delivery.last_error and not mailoutbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.send_delivery(delivery.pk) is None  # failed for good: not sent by a stray message
    assert not mailoutbox


def test_console_sms_writes_the_log(people, queued, channels, django_capture_on_commit_callbacks):
    alice, _bob = people
    NotificationPreference.objects.create(user=alice, kind="approvals", email=False, sms=True)
    notice = notify([alice], "approval_requested", title="很长的标题" * 20, capture=django_capture_on_commit_callbacks)[0]
    run(queued)
    [line] = sms_lines(channels)
    _when, phone, reference, text = line.split("\t")
    delivery = notice.deliveries.get()
    assert (phone, reference) == ("13800000001", f"zhiku-{delivery.pk}")
    assert "很长的标题" in text and len(text) == message_centre.SMS_MAX_CHARS and text.endswith("…")
    assert (delivery.status, delivery.provider_reference) == ("sent", f"console-zhiku-{delivery.pk}")


# --- No double send -------------------------------------------------------------------------

def test_a_delivery_is_sent_once_however_often_its_task_runs(people, queued, mailoutbox, channels,
                                                            django_capture_on_commit_callbacks):
    alice, _bob = people
    NotificationPreference.objects.create(user=alice, kind="approvals", email=True, sms=True)
    notice = notify([alice], "approval_requested", capture=django_capture_on_commit_callbacks)[0]
    ids = list(queued)
    assert len(ids) == 2
    run(queued)
    for pk in ids:  # a duplicated message, a retry after the success
        assert tasks.send_delivery(pk) is None
        tasks.send_delivery.apply(args=[pk])
    assert len(mailoutbox) == 1 and len(sms_lines(channels)) == 1
    assert list(notice.deliveries.values_list("attempts", flat=True)) == [1, 1]

    # One being sent by another worker is left to it.
    other = notify([alice], "approval_approved", capture=django_capture_on_commit_callbacks)[0]
    Delivery.objects.filter(notification=other).update(status="sending")
    run(queued)
    assert len(mailoutbox) == 1 and len(sms_lines(channels)) == 1


def test_retry_stalled_deliveries_queues_each_lost_one_once(people, queued, mailoutbox, channels,
                                                           django_capture_on_commit_callbacks):
    alice, _bob = people
    NotificationPreference.objects.create(user=alice, kind="approvals", email=True, sms=True)
    capture = django_capture_on_commit_callbacks
    lost = notify([alice], "approval_requested", title="丢失的消息", capture=capture)[0]
    fresh = notify([alice], "approval_approved", title="刚排队的消息", capture=capture)[0]
    crashed = notify([alice], "approval_changes", title="发送中断", capture=capture)[0]
    queued.clear()  # the task messages were lost
    long_ago = timezone.now() - timedelta(minutes=30)
    Delivery.objects.filter(notification=lost).update(next_attempt_at=long_ago)
    Delivery.objects.filter(notification=crashed).update(status="sending", attempts=1)
    Delivery.objects.filter(notification=crashed).update(updated_at=long_ago)  # (update() sets no auto_now)

    assert tasks.retry_stalled_deliveries() == 3  # lost: e-mail and SMS; crashed: its e-mail
    expected = set(Delivery.objects.filter(notification=lost).values_list("pk", flat=True)) | {
        crashed.deliveries.get(channel="email").pk}
    assert set(queued) == expected
    crashed_sms = crashed.deliveries.get(channel="sms")
    assert crashed_sms.status == "failed" and "may have been sent" in crashed_sms.last_error
    assert set(fresh.deliveries.values_list("status", flat=True)) == {"pending"}  # its message is on the way

    ids = list(queued)
    queued.clear()
    assert tasks.retry_stalled_deliveries() == 0 and queued == []  # run again: nothing twice
    run(ids)
    run(ids)  # the sweep and the original message both arriving
    assert sorted(m.subject.split(": ")[-1] for m in mailoutbox) == ["丢失的消息", "发送中断"]
    assert len(sms_lines(channels)) == 1
    assert tasks.retry_stalled_deliveries() == 0


# --- Alibaba Cloud SMS ----------------------------------------------------------------------

def test_the_signature_reproduces_aliyuns_worked_example():
    # The SendSms example of Aliyun's SMS signature documentation (AccessKeyId "testId",
    # AccessKeySecret "testSecret", a GET request).
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert rpc_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert rpc_signature({**params, "Signature": "ignored"}, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert rpc_signature(params, "testsecret", "GET") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # The DescribeRegions example of the RPC signature documentation (AccessKeySecret "testsecret").
    assert rpc_signature({
        "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
    }, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def _expected_signature(form, secret):
    """The fake's own check of the documented algorithm (POST)."""
    def encode(value):
        return quote(value, safe="-_.~")

    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(form.items()) if k != "Signature")
    string_to_sign = "POST&%2F&" + encode(canonical)
    return b64encode(hmac_new(f"{secret}&".encode(), string_to_sign.encode(), sha1).digest()).decode()


class FakeAliyun:
    """dysmsapi's SendSms on a local port: answers with the scripted (status, body) replies in
    turn (the last one repeats) and keeps each request's form."""

    SECRET = "fake-secret"

    def __init__(self):
        self.replies = [(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0",
                               "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})]
        self.requests = []
        self.delay = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = dict(parse_qsl(body, keep_blank_values=True))
                fake.requests.append(form)
                if fake.delay:
                    clock.sleep(fake.delay)
                if form.get("Signature") != _expected_signature(form, fake.SECRET):
                    status, reply = 400, {"Code": "SignatureDoesNotMatch",
                                          "Message": "Specified signature is not matched"}
                else:
                    status, reply = fake.replies[min(len(fake.requests), len(fake.replies)) - 1]
                data = json.dumps(reply).encode() if isinstance(reply, dict) else reply.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def aliyun(channels, settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake = FakeAliyun()
    settings.ZHIKU_SMS_BACKEND = ALIYUN
    settings.ZHIKU_SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
    settings.ZHIKU_SMS_ALIYUN_ACCESS_KEY_SECRET = FakeAliyun.SECRET
    settings.ZHIKU_SMS_ALIYUN_SIGN_NAME = "知库"
    settings.ZHIKU_SMS_ALIYUN_TEMPLATE_CODE = "SMS_000001"
    settings.ZHIKU_SMS_ALIYUN_ENDPOINT = fake.url
    yield fake
    fake.close()


@pytest.fixture
def sms_notice(people, queued, django_capture_on_commit_callbacks):
    """An approval request for Alice, who chose SMS only; returns its SMS delivery."""
    alice, _bob = people
    NotificationPreference.objects.create(user=alice, kind="approvals", email=False, sms=True)
    notify([alice], "approval_requested", capture=django_capture_on_commit_callbacks)
    queued.clear()
    return Delivery.objects.get()


def test_aliyun_sends_a_signed_sendsms_request(aliyun, sms_notice):
    assert tasks.send_delivery(sms_notice.pk) == "sent"
    [form] = aliyun.requests
    assert {k: form[k] for k in ("Action", "Version", "SignatureMethod", "SignatureVersion", "Format")} == {
        "Action": "SendSms", "Version": "2017-05-25", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "Format": "JSON"}
    assert (form["PhoneNumbers"], form["SignName"], form["TemplateCode"], form["AccessKeyId"]) == (
        "13800000001", "知库", "SMS_000001", "LTAI-test")
    assert "差旅报销单 2026-118" in json.loads(form["TemplateParam"])["content"]
    assert form["OutId"] == f"zhiku-{sms_notice.pk}"
    assert form["Timestamp"].endswith("Z") and form["SignatureNonce"]
    sms_notice.refresh_from_db()
    assert (sms_notice.status, sms_notice.provider_reference, sms_notice.last_error) == (
        "sent", "900619746936498440^0", "")


def test_aliyun_throttling_is_retried_and_then_sent_once(aliyun, sms_notice):
    aliyun.replies = [(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}),
                      (200, {"Code": "OK", "Message": "OK", "BizId": "biz-2"})]
    with pytest.raises(message_centre.RetryLater):
        message_centre.send_delivery(sms_notice.pk)
    sms_notice.refresh_from_db()
    assert sms_notice.status == "pending" and "isv.BUSINESS_LIMIT_CONTROL" in sms_notice.last_error
    assert tasks.send_delivery(sms_notice.pk) == "sent"
    assert tasks.send_delivery(sms_notice.pk) is None  # a retry after the success
    assert len(aliyun.requests) == 2
    sms_notice.refresh_from_db()
    assert (sms_notice.status, sms_notice.attempts, sms_notice.provider_reference) == ("sent", 2, "biz-2")


def test_aliyun_server_errors_are_retried_by_celery(aliyun, sms_notice):
    aliyun.replies = [(503, "<html>Service Unavailable</html>"), (200, {"Code": "Throttling.User", "Message": "x"}),
                      (200, {"Code": "OK", "BizId": "biz-3"})]
    tasks.send_delivery.apply(args=[sms_notice.pk])
    tasks.send_delivery.apply(args=[sms_notice.pk])  # the same message delivered twice
    assert len(aliyun.requests) == 3
    sms_notice.refresh_from_db()
    assert (sms_notice.status, sms_notice.attempts) == ("sent", 3)


def test_aliyun_permanent_error_fails_at_once_with_the_message(aliyun, sms_notice):
    aliyun.replies = [(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})]
    tasks.send_delivery.apply(args=[sms_notice.pk])
    tasks.send_delivery.apply(args=[sms_notice.pk])
    assert len(aliyun.requests) == 1
    sms_notice.refresh_from_db()
    assert (sms_notice.status, sms_notice.attempts) == ("failed", 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in sms_notice.last_error and "非法手机号" in sms_notice.last_error


def test_aliyun_wrong_secret_is_a_permanent_failure(aliyun, sms_notice, settings):
    settings.ZHIKU_SMS_ALIYUN_ACCESS_KEY_SECRET = "wrong"
    tasks.send_delivery.apply(args=[sms_notice.pk])
    sms_notice.refresh_from_db()
    assert sms_notice.status == "failed" and "SignatureDoesNotMatch" in sms_notice.last_error


def test_aliyun_no_answer_is_not_retried_but_unreachable_is(aliyun, sms_notice, settings):
    settings.ZHIKU_SMS_TIMEOUT = "0.3"
    aliyun.delay = 1  # the request arrived; the answer does not come in time
    tasks.send_delivery.apply(args=[sms_notice.pk])
    sms_notice.refresh_from_db()
    assert len(aliyun.requests) == 1 and sms_notice.status == "failed"
    assert "may have been sent" in sms_notice.last_error

    Delivery.objects.filter(pk=sms_notice.pk).update(status="pending", attempts=0)
    aliyun.close()  # nothing listens any more: nothing can have been sent
    with pytest.raises(message_centre.RetryLater):
        message_centre.send_delivery(sms_notice.pk)
    sms_notice.refresh_from_db()
    assert sms_notice.status == "pending" and "unreachable" in sms_notice.last_error


def test_aliyun_without_configuration_fails_clearly(aliyun, sms_notice, settings):
    settings.ZHIKU_SMS_ALIYUN_SIGN_NAME = ""
    assert AliyunSMSBackend().sign_name == ""
    tasks.send_delivery.apply(args=[sms_notice.pk])
    sms_notice.refresh_from_db()
    assert sms_notice.status == "failed" and "sign_name" in sms_notice.last_error and not aliyun.requests


# --- Daily digest ---------------------------------------------------------------------------

@pytest.fixture
def digest_day(people, client_for):
    """Alice chose the digest; she has notices from the day before the digest's date."""
    alice, bob = people
    choose(client_for(alice), digest=1)
    day = date(2026, 11, 20)

    def at(hour, days_before=1):
        return timezone.make_aware(datetime.combine(day - timedelta(days=days_before), datetime.min.time())
                                   + timedelta(hours=hour))

    for title, when, read in [("昨天未读一", at(9), False), ("昨天未读二", at(23), False), ("昨天已读", at(10), True),
                              ("前天未读", at(12, days_before=2), False), ("今天未读", at(1, days_before=0), False)]:
        for user in (alice, bob):  # Bob did not choose the digest
            notice = Notification.objects.create(user=user, verb="changed", title=title)
            Notification.objects.filter(pk=notice.pk).update(created_at=when, read_at=when if read else None)
    return day


def test_digest_once_per_person_and_day(digest_day, mailoutbox):
    assert message_centre.send_digests(digest_day) == 1
    [message] = mailoutbox
    assert message.to == ["alice@example.com"]
    assert "昨天未读一" in message.body and "昨天未读二" in message.body
    for absent in ("昨天已读", "前天未读", "今天未读"):
        assert absent not in message.body
    assert "http://zhiku.example" + reverse("personal:notifications") in message.body

    assert message_centre.send_digests(digest_day) == 0  # run twice: nothing twice
    assert tasks.send_digests(digest_day.isoformat()) == 0
    assert len(mailoutbox) == 1
    digest = Digest.objects.get()
    assert (digest.status, digest.notification_count, digest.date) == ("sent", 2, digest_day)

    assert message_centre.send_digests(digest_day + timedelta(days=1)) == 1  # the next day has its own
    assert "今天未读" in mailoutbox[1].body


def test_failed_digest_is_tried_again_and_the_command(digest_day, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    assert message_centre.send_digests(digest_day) == 0
    assert Digest.objects.get().status == "failed" and "connection refused" in Digest.objects.get().last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("send_digests", "--date", digest_day.isoformat(), stdout=out)
    assert out.getvalue().startswith("1 digest(s) sent") and len(mailoutbox) == 1
    call_command("send_digests", "--date", digest_day.isoformat(), stdout=out)
    assert len(mailoutbox) == 1 and Digest.objects.get().status == "sent"


def test_no_digest_without_the_choice(digest_day, people, client_for, mailoutbox):
    alice, _bob = people
    choose(client_for(alice))  # digest unticked
    assert message_centre.send_digests(digest_day) == 0 and not mailoutbox


def test_the_schedule_names_these_tasks(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"portal.tasks.retry_stalled_deliveries", "portal.tasks.send_digests"} <= schedule
    assert tasks.retry_stalled_deliveries.name == "portal.tasks.retry_stalled_deliveries"
    assert tasks.send_digests.name == "portal.tasks.send_digests"


# --- The real worker ------------------------------------------------------------------------

@pytest.mark.worker
def test_the_worker_sends_and_retries_once(worker, channels, aliyun, settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ZHIKU_DELIVERY_RETRY_SECONDS = "0.2"
    aliyun.replies = [(200, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}),
                      (200, {"Code": "OK", "BizId": "biz-worker"})]
    alice = make_user("alice")
    UserProfile.objects.create(user=alice, mobile="13800000001")
    NotificationPreference.objects.create(user=alice, kind="approvals", email=True, sms=True)
    # Committed at once (no test transaction): notify() queues the sends for the worker.
    [notice] = Notification.objects.notify([alice], "approval_requested", "工作线程里的审批", dedupe_key="wf:1")
    wait_for(lambda: set(notice.deliveries.values_list("status", flat=True)) == {"sent"})
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert len(aliyun.requests) == 2 and notice.deliveries.get(channel="sms").attempts == 2

    assert tasks.retry_stalled_deliveries.delay() is not None
    Notification.objects.notify([alice], "approval_requested", "工作线程里的审批", dedupe_key="wf:1")  # again: dropped
    for pk in notice.deliveries.values_list("pk", flat=True):
        tasks.send_delivery.delay(pk)  # duplicated messages
    clock.sleep(1)
    assert len(mailoutbox) == 1 and len(aliyun.requests) == 2
