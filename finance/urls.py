from django.urls import path

from finance import views

app_name = "finance"
urlpatterns = [
    path("<slug:code>/reports/", views.report_list, name="report_list"),
    path("<slug:code>/reports/new/", views.report_create, name="report_create"),
    path("<slug:code>/disbursements/", views.disbursement_list, name="disbursement_list"),
    path("<slug:code>/balance/<str:acronym>/", views.balance, name="balance"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/document/", views.report_document, name="report_document"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/approve/", views.report_approve, name="report_approve"),
    path("reports/<int:pk>/return/", views.report_return, name="report_return"),
    path("reports/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
]

# Budget versions (finance.version_views).
from finance import version_views  # noqa: E402

urlpatterns += [
    path("<slug:code>/budget/versions/", version_views.version_grid, name="versions"),
    path(
        "<slug:code>/budget/reallocations/new/", version_views.reallocation_create, name="reallocation_create"
    ),
    path("budget/versions/<int:pk>/", version_views.version_detail, name="version_detail"),
    path("budget/versions/<int:pk>/approve/", version_views.version_approve, name="version_approve"),
    path("budget/versions/<int:pk>/reject/", version_views.version_reject, name="version_reject"),
]
