from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("glossary/", views.glossary, name="glossary"),
    path("sources/<slug:code>/", views.document, name="document"),
    path("preferences/", views.preferences, name="preferences"),
]

from core import import_views  # noqa: E402

urlpatterns += [
    path("imports/", import_views.import_start_view, name="import_start"),
    path("imports/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("imports/<int:pk>/job/", import_views.import_job, name="import_job"),
    path("imports/<int:pk>/status/", import_views.import_status, name="import_status"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", import_views.import_cancel_view, name="import_cancel"),
    path("imports/templates/<slug:kind>.xlsx", import_views.import_template, name="import_template"),
    path("exports/<slug:kind>/", import_views.export, name="export"),
]
