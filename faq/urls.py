from django.urls import path

app_name = "faq"
urlpatterns = []
