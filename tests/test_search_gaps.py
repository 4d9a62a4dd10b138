"""Zero-result searches are shown to knowledge managers as knowledge gaps, to nobody else."""
from django.urls import reverse

from search.models import QueryLog


def test_knowledge_managers_see_zero_result_queries(portal, client_for):
    for user, query, count in [(portal.users.reader, "量子纠缠", 0), (portal.users.editor, "量子纠缠", 0),
                               (portal.users.reader, "扭矩", 3)]:
        QueryLog.objects.create(user=user, query=query, result_count=count)
    page = client_for(portal.users.manager).get(reverse("search_admin:gaps")).content.decode()
    assert "量子纠缠" in page and "扭矩" not in page
    response = client_for(portal.users.editor).get(reverse("search_admin:gaps"))
    assert response.status_code in (302, 403) and "量子纠缠" not in response.content.decode()
