from wagtail import hooks

from .services.handover import HANDOVER_ACTION
from .services.items import key_of
from stats.services.events import record_view

from .services.reading import record_read


@hooks.register("on_serve_page")
def count_page_read(serve):
    """Count a read when a searchable page (an article...) was served with 200: view
    restrictions, which Wagtail checks in this chain too, have let the reader in."""

    def inner(page, request, serve_args, serve_kwargs):
        response = serve(page, request, serve_args, serve_kwargs)
        if response.status_code == 200 and request.user.is_authenticated:
            record_read(request.user, key_of(page))
            record_view(request.user, key_of(page))
        return response

    return inner


@hooks.register("register_log_actions")
def register_handover_log_action(actions):
    from django.utils.translation import gettext_lazy as _

    actions.register_action(HANDOVER_ACTION, _("Hand over"), _("Handed over to a successor"))
