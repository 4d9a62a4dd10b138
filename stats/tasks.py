from celery import shared_task

from .services.rollup import catch_up


@shared_task
def roll_up():
    """Roll up every finished day not done yet; returns how many days were done."""
    return len(catch_up())
