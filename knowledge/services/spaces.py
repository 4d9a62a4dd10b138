"""Knowledge spaces: each gets a document collection and its own groups (KB-04)."""
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection, CollectionViewRestriction, GroupCollectionPermission, GroupPagePermission, PageViewRestriction,
)

from portal.roles import KNOWLEDGE_MANAGER

REVIEWER_ROLE = "审核人"
EDITOR_ROLE = "编辑"
SPACE_ROLES = {
    # group suffix: (page permissions, document permissions)
    "成员": ([], []),
    # Editors publish until the space gets a review workflow (services.review.assign_review_workflow),
    # which takes "publish" from them: then they submit, and the reviewers approve (KB-03).
    EDITOR_ROLE: (["add", "change", "publish"], ["add", "change", "choose"]),
    REVIEWER_ROLE: (["add", "change", "publish", "lock", "unlock", "bulk_delete"], ["add", "change", "delete", "choose"]),
}


def space_group_name(space, role):
    return f"{space.title}{role}"


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def provision_space(space, restricted=False):
    """Create the space's collection and groups; when ``restricted``, only its members and
    knowledge managers may read its pages and documents. Returns ``{role: group}``."""
    if space.collection is None:
        root = Collection.get_first_root_node()
        space.collection = root.add_child(name=space.title)
        space.save(update_fields=["collection"])
    groups = {}
    for role, (page_perms, doc_perms) in SPACE_ROLES.items():
        group, _created = Group.objects.get_or_create(name=space_group_name(space, role))
        groups[role] = group
        for permission_type in page_perms:
            GroupPagePermission.objects.get_or_create(
                group=group, page=space, permission=_permission("wagtailcore", f"{permission_type}_page")
            )
        for action in doc_perms:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=space.collection, permission=_permission("wagtaildocs", f"{action}_document")
            )
    if restricted:
        readers = list(groups.values()) + [Group.objects.get(name=KNOWLEDGE_MANAGER)]
        page_restriction, _c = PageViewRestriction.objects.get_or_create(
            page=space, restriction_type=PageViewRestriction.GROUPS
        )
        page_restriction.groups.set(readers)
        collection_restriction, _c = CollectionViewRestriction.objects.get_or_create(
            collection=space.collection, restriction_type=CollectionViewRestriction.GROUPS
        )
        collection_restriction.groups.set(readers)
    return groups


def space_reviewers(space):
    """The active members of the space's reviewer group (KB-03's "reviewer of that space")."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=space_group_name(space, REVIEWER_ROLE), is_active=True)
