"""Events that other apps' own signals already announce: downloads, favourites, answers."""
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.documents.models import document_served

from personal.models import Favourite
from qa.models import Answer

from .models import Verb
from .services.events import record


def document_key(document):
    return f"{document._meta.label_lower}:{document.pk}"


@receiver(document_served)
def count_download(sender, instance, request, **kwargs):
    record(Verb.DOWNLOAD, request.user, document_key(instance))


@receiver(post_save, sender=Favourite)
def count_favourite(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record(Verb.FAVOURITE, instance.user, instance.key)


@receiver(post_save, sender=Answer)
def count_answer(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record(Verb.ANSWER, instance.author, instance.question.search_key)
