from celery import shared_task


@shared_task(acks_late=True)
def update_key(key):
    from .index import remove_keys, resolve_key, update_object

    obj = resolve_key(key)
    if obj is None:
        remove_keys([key])
    else:
        update_object(obj)
