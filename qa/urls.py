from django.urls import path

app_name = "qa"
urlpatterns = []
