"""Recording usage events: one INSERT in the request path, nothing else (the roll-up does the
counting later)."""
import logging

from django.db import DatabaseError, transaction
from django.utils import timezone

from ..models import Event, Verb

logger = logging.getLogger(__name__)


def record(verb, user, key):
    """Note that ``user`` (None: anonymous) did ``verb`` to the item ``key``. Statistics must
    never break what the user was doing, so a failed write is logged and forgotten."""
    if not key:
        return
    user_id = user.pk if user is not None and user.is_authenticated else None
    try:
        # In a savepoint: inside the caller's transaction (answering, accepting), a failed write
        # must roll back only itself, not what the user did.
        with transaction.atomic():
            Event.objects.create(at=timezone.now(), verb=verb, user_id=user_id, key=key[:100])
    except DatabaseError:
        logger.exception("could not record a %s event for %s", Verb(verb).name, key)


def record_view(user, key):
    record(Verb.VIEW, user, key)
