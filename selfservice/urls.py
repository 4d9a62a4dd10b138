from django.urls import path

app_name = "selfservice"
urlpatterns = []
