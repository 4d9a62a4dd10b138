"""The portal's roles, as Wagtail groups (KB-04). Space-level rights are added per space by
``knowledge.services.spaces``; these groups carry what is the same everywhere."""
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

READER = "读者"
EDITOR = "编辑"
REVIEWER = "部门审核人"
KNOWLEDGE_MANAGER = "知识管理员"
ADMINISTRATOR = "系统管理员"
FINANCE_MANAGER = "财务经理"
ROLES = [READER, EDITOR, REVIEWER, KNOWLEDGE_MANAGER, ADMINISTRATOR, FINANCE_MANAGER]

ADMIN_ACCESS = [("wagtailadmin", "access_admin")]
ROLE_PERMISSIONS = {
    READER: [],
    EDITOR: ADMIN_ACCESS,
    REVIEWER: ADMIN_ACCESS + [("knowledge", "manage_department_dimensions")],
    KNOWLEDGE_MANAGER: ADMIN_ACCESS + [
        ("knowledge", "restore_trashitem"),
        ("knowledge", "add_importrun"),
        ("knowledge", "view_importrun"),
        ("knowledge", "add_dimension"),
        ("knowledge", "change_dimension"),
        ("knowledge", "delete_dimension"),
        ("zhiku_search", "view_querylog"),
        ("maps", "add_positionrequirement"),
        ("maps", "change_positionrequirement"),
        ("maps", "delete_positionrequirement"),
        ("taggit", "add_tag"),
        ("taggit", "change_tag"),
        ("personal", "add_handover"),
        ("personal", "view_handover"),
        ("structured", "add_structuredform"),
        ("structured", "change_structuredform"),
        ("faq", "manage_faq"),
        # Paths are archived, never deleted: no delete permission.
        ("training", "add_trainingpath"),
        ("training", "change_trainingpath"),
        ("training", "publish_trainingpath"),
        ("training", "manage_training"),
        ("training", "view_all_reports"),
        ("stats", "view_all_stats"),
    ],
    ADMINISTRATOR: ADMIN_ACCESS + [
        (app, f"{action}_{model}")
        for app, model in [("portal", "department"), ("portal", "position"), ("portal", "userprofile"),
                           ("auth", "user"), ("auth", "group")]
        for action in ("add", "change", "delete", "view")
    ] + [("personal", "add_handover"), ("personal", "view_handover"), ("stats", "view_all_stats")],
    # Approves large expense claims (the workflow's amount step), sees every claim and records
    # payments; admin access for the read-only claim listing and its history.
    FINANCE_MANAGER: ADMIN_ACCESS + [("workflows", "pay_expenseclaim"), ("workflows", "view_all_expenseclaims")],
}
MANAGER_PAGE_PERMISSIONS = ["add", "change", "publish", "bulk_delete", "lock", "unlock"]
MANAGER_DOCUMENT_PERMISSIONS = ["add", "change", "delete", "choose"]


def _permissions(pairs):
    query = Q(pk__in=[])
    for app, codename in pairs:
        query |= Q(content_type__app_label=app, codename=codename)
    return Permission.objects.filter(query)


def ensure_roles():
    """Create the role groups and their global permissions; safe to call again."""
    groups = {}
    for name in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(ROLE_PERMISSIONS[name]))
        groups[name] = group
    return groups


def grant_manager_rights(home_page):
    """Knowledge managers edit and publish every space and manage every document."""
    manager = Group.objects.get(name=KNOWLEDGE_MANAGER)
    for permission_type in MANAGER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=manager, page=home_page,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=f"{permission_type}_page"),
        )
    root_collection = Collection.get_first_root_node()
    for action in MANAGER_DOCUMENT_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=manager, collection=root_collection,
            permission=Permission.objects.get(content_type__app_label="wagtaildocs", codename=f"{action}_document"),
        )
