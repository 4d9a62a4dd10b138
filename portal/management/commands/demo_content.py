from django.utils.translation import gettext as _

from django.contrib.auth import get_user_model
from django.core.management import call_command

from portal.commands import PortalCommand
from portal.services.demo_stats import build_stats
from portal.services.demo import DEMO_PASSWORD, USERS, load_demo_content


class Command(PortalCommand):
    help = "Load the demo organisation, users, knowledge spaces, articles and attachments (once)."

    def run(self, *args, **options):
        result = load_demo_content()
        if result is not None:
            # Statistics count what search has catalogued: index now, then add months of activity.
            call_command("search_rebuild", verbosity=0)
            build_stats({u.username: u for u in get_user_model().objects.filter(is_active=True)})
        if result is None:
            self.stdout.write(_("Demo content is already present; nothing changed."))
        else:
            self.stdout.write(self.style.SUCCESS(
                _("Demo content loaded: %(articles)d articles, %(attachments)d attachments.") % result
            ))

        self.stdout.write(_("Demo logins (password %(password)s):") % {"password": DEMO_PASSWORD})
        for username, full_name, space, _position, role_names, space_role in USERS:
            what = " ".join(filter(None, [", ".join(role_names), space and f"{space}/{space_role}"]))
            self.stdout.write(f"  {username:<10} {full_name:<6} {what}")
