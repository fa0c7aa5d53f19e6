from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_start_view, name="import_start"),
    path("imports/<int:pk>/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/job/", views.import_job, name="import_job"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views.import_cancel_view, name="import_cancel"),
    path("imports/<int:pk>/retry/", views.import_retry_view, name="import_retry"),
    path("imports/templates/<slug:kind>.xlsx", views.import_template, name="import_template"),
    path("exports/<slug:kind>/", views.export, name="export"),
]
