from django.urls import path

from budgets import views

app_name = "budgets"
urlpatterns = [
    path("<slug:code>/", views.overview, name="overview"),
    path("<slug:code>/reconciliation/", views.reconciliation, name="reconciliation"),
    path("<slug:code>/reconciliation/recompute/", views.recompute, name="recompute"),
    path(
        "<slug:code>/reconciliation/findings.<str:fmt>",
        views.reconciliation_export,
        name="reconciliation_export",
    ),
    path("<slug:code>/findings/<int:pk>/explain/", views.explain, name="explain"),
    path("<slug:code>/tables/<slug:table_code>/", views.table, name="table"),
]
