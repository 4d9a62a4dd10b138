from django.urls import path

from . import views

app_name = "maps"
urlpatterns = [
    path("", views.global_map, name="global"),
    path("nodes/<int:node_id>/", views.node_detail, name="node"),
    path("experts/", views.expert_map, name="experts"),
    path("positions/", views.position_map, name="positions"),
    path("positions/<int:position_id>/", views.position_edit, name="position_edit"),
    path("requirements/<int:requirement_id>/delete/", views.requirement_delete, name="requirement_delete"),
    path("people/", views.person_map, name="me"),
    path("people/<str:username>/", views.person_map, name="person"),
    path("dimensions/", views.dimension_list, name="dimensions"),
    path("dimensions/<int:dimension_id>/", views.dimension_detail, name="dimension"),
    path("dimensions/<int:dimension_id>/<str:action>/", views.node_action, name="node_add"),
    path("dimensions/<int:dimension_id>/nodes/<int:node_id>/<str:action>/", views.node_action, name="node_action"),
]
