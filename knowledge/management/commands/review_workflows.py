from django.core.management.base import CommandError

from knowledge.models import KnowledgeSpacePage
from knowledge.services.review import assign_review_workflow, ensure_review_workflows
from portal.commands import PortalCommand


class Command(PortalCommand):
    help = ("Create the standard knowledge review workflows (safe to run again) and, with --two-step or "
            "--one-step, assign them to spaces; then list which workflow governs each space.")

    def add_arguments(self, parser):
        parser.add_argument("--two-step", nargs="*", default=[], metavar="SLUG",
                            help="spaces reviewed by their reviewers, then the knowledge managers")
        parser.add_argument("--one-step", nargs="*", default=[], metavar="SLUG",
                            help="spaces reviewed by their reviewers only")
        parser.add_argument("--editors-publish", action="store_true",
                            help="let the spaces' editors still publish directly (review becomes optional)")

    def run(self, *args, two_step=(), one_step=(), editors_publish=False, **options):
        workflows = dict(zip(("one", "two"), ensure_review_workflows()))
        for key, slugs in (("one", one_step), ("two", two_step)):
            for slug in slugs:
                space = KnowledgeSpacePage.objects.filter(slug=slug).first()
                if space is None:
                    raise CommandError(f"There is no knowledge space with the slug {slug}.")
                assign_review_workflow(space, workflows[key], editors_publish=editors_publish)
        for space in KnowledgeSpacePage.objects.order_by("path"):
            workflow = space.get_workflow()
            self.stdout.write(f"{space.slug:<16} {space.title:<12} {workflow.name if workflow else '-'}")
