from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("glossary/", views.glossary, name="glossary"),
    path("preferences/", views.preferences, name="preferences"),
]
