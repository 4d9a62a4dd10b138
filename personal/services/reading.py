"""What people read: one ReadRecord per person and item."""
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import ReadRecord


def record_read(user, key):
    """Count a read of ``key`` by ``user`` (an update, or the first record)."""
    if not key or not getattr(user, "is_authenticated", False):
        return
    now = timezone.now()
    if ReadRecord.objects.filter(user=user, key=key).update(last_read_at=now, read_count=F("read_count") + 1):
        return
    try:
        with transaction.atomic():
            ReadRecord.objects.create(user=user, key=key, first_read_at=now, last_read_at=now, read_count=1)
    except IntegrityError:  # a parallel request created it first
        ReadRecord.objects.filter(user=user, key=key).update(last_read_at=now, read_count=F("read_count") + 1)


def recently_read(user, limit=20):
    return ReadRecord.objects.filter(user=user).order_by("-last_read_at")[:limit]
