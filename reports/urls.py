from django.urls import path

from reports import job_views, views

app_name = "reports"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("partner/", views.partner_dashboard, name="partner_dashboard"),
    path("partner/progress.<str:fmt>", views.progress_report, name="progress_report"),
    path("pdf/<int:pk>/", job_views.job, name="job"),
    path("pdf/<int:pk>/status/", job_views.job_status, name="job_status"),
    path("pdf/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("<slug:code>/", views.programme_dashboard, name="programme_dashboard"),
    path("<slug:code>/operational-plan.<str:fmt>", views.operational_plan_report, name="operational_plan"),
]
