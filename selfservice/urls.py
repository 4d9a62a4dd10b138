from django.urls import path

from . import views

app_name = "selfservice"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("categories/<int:pk>/", views.category, name="category"),
    path("faq/<int:pk>/", views.faq, name="faq"),
    path("faq/<int:pk>/vote/", views.vote, {"kind": "faq"}, name="faq_vote"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("articles/<int:pk>/vote/", views.vote, {"kind": "article"}, name="article_vote"),
]
