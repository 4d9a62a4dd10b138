"""SMS for the message centre: a small backend interface chosen by ``ZHIKU_SMS_BACKEND`` (a dotted
path, from the settings or the environment).

* ``ConsoleSMSBackend`` (the default) sends nothing: it logs and appends a line to VAR_DIR/sms.log.
* ``AliyunSMSBackend`` sends through Alibaba Cloud SMS, API ``SendSms`` of dysmsapi (version
  2017-05-25), an RPC-style call signed with signature version 1.0 (HMAC-SHA1). Configured by
  ZHIKU_SMS_ALIYUN_ACCESS_KEY_ID, _ACCESS_KEY_SECRET, _SIGN_NAME, _TEMPLATE_CODE, _ENDPOINT and
  _TEMPLATE_PARAM (the template's variable that receives the text, default ``content``).

A backend's ``send()`` returns the provider's message id or raises ``SMSError``; its
``retryable`` says whether trying again later may succeed without risking a second message.
"""
import base64
import hashlib
import hmac
import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("zhiku.sms")

DEFAULT_BACKEND = "portal.sms.ConsoleSMSBackend"


class SMSError(Exception):
    def __init__(self, message, retryable=False):
        super().__init__(message)
        self.retryable = retryable


def setting(name, default=""):
    """A Django setting if the settings define it, else the environment variable of that name."""
    return getattr(settings, name, None) or os.environ.get(name) or default


def get_backend():
    return import_string(setting("ZHIKU_SMS_BACKEND", DEFAULT_BACKEND))()


class BaseSMSBackend:
    def send(self, phone, text, reference):
        """Send ``text`` to ``phone``. ``reference`` is our id of the message, handed to the
        provider where it keeps one. Returns the provider's message id; raises SMSError."""
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """For development and the embedded portal: nothing leaves the machine."""

    def send(self, phone, text, reference):
        logger.info("SMS to %s (%s): %s", phone, reference, text)
        line = "\t".join([datetime.now(UTC).isoformat(timespec="seconds"), phone, reference, " ".join(text.split())])
        with (Path(settings.VAR_DIR) / "sms.log").open("a", encoding="utf-8") as log:
            log.write(line + "\n")
        return f"console-{reference}"


# --- Alibaba Cloud SMS ----------------------------------------------------------------------

def percent_encode(value):
    """The RPC signature's encoding: UTF-8, RFC 3986; only A-Z a-z 0-9 - _ . ~ stay as they are
    (a space is %20, not +; * is %2A)."""
    return quote(str(value), safe="-_.~")


def rpc_signature(params, secret, method="POST"):
    """Signature version 1.0: Base64(HMAC-SHA1(secret + "&", StringToSign)), where StringToSign
    is ``METHOD&%2F&`` + the encoded, name-sorted query string (all parameters but Signature)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
                         if k != "Signature")
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSMSBackend(BaseSMSBackend):
    ENDPOINT = "https://dysmsapi.aliyuncs.com"
    # Flow control and throttling pass; anything else (a bad number, signature, template,
    # balance, permissions) will fail the same way next time.
    RETRYABLE_CODES = ("isv.BUSINESS_LIMIT_CONTROL",)
    RETRYABLE_PREFIXES = ("Throttling",)

    def __init__(self):
        self.access_key_id = setting("ZHIKU_SMS_ALIYUN_ACCESS_KEY_ID")
        self.access_key_secret = setting("ZHIKU_SMS_ALIYUN_ACCESS_KEY_SECRET")
        self.sign_name = setting("ZHIKU_SMS_ALIYUN_SIGN_NAME")
        self.template_code = setting("ZHIKU_SMS_ALIYUN_TEMPLATE_CODE")
        self.template_param = setting("ZHIKU_SMS_ALIYUN_TEMPLATE_PARAM", "content")
        self.endpoint = setting("ZHIKU_SMS_ALIYUN_ENDPOINT", self.ENDPOINT)
        self.timeout = float(setting("ZHIKU_SMS_TIMEOUT", "10"))

    def request_params(self, phone, text, reference, nonce=None, timestamp=None):
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({self.template_param: text}, ensure_ascii=False),
            "OutId": reference,  # comes back in delivery receipts: our id of the message
        }
        params["Signature"] = rpc_signature(params, self.access_key_secret, "POST")
        return params

    def send(self, phone, text, reference):
        missing = [name for name in ("access_key_id", "access_key_secret", "sign_name", "template_code")
                   if not getattr(self, name)]
        if missing:
            raise SMSError(f"Aliyun SMS is not configured (missing {', '.join(missing)})")
        try:
            response = requests.post(self.endpoint, data=self.request_params(phone, text, reference),
                                     timeout=(5, self.timeout))
        except requests.ReadTimeout as error:
            # The request went out but no answer came. SendSms is not idempotent (Aliyun's
            # documentation says so and asks to check the receipt before retrying): trying
            # again could send the message twice, so this one is not retried.
            raise SMSError(f"no answer from Aliyun SMS, the message may have been sent: {error}") from error
        except requests.RequestException as error:
            raise SMSError(f"Aliyun SMS unreachable: {error}", retryable=True) from error
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("Code", ""))
        if code == "OK":
            return str(body.get("BizId") or body.get("RequestId") or "")
        retryable = (response.status_code >= 500 or response.status_code == 429 or code in self.RETRYABLE_CODES
                     or code.startswith(self.RETRYABLE_PREFIXES))
        detail = body.get("Message") or response.text[:200]
        raise SMSError(f"Aliyun SMS {code or f'HTTP {response.status_code}'}: {detail}", retryable=retryable)
