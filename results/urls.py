from django.urls import path

from results import views

app_name = "results"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("plans/<slug:code>/", views.plan_detail, name="plan_detail"),
    path("plans/<slug:code>/schedule/", views.schedule, name="schedule"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path(
        "activities/<int:pk>/progress/new/", views.activity_progress_create, name="activity_progress_create"
    ),
    path("activities/<int:pk>/target/", views.activity_target_change, name="activity_target_change"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path(
        "indicators/<int:pk>/progress/new/", views.indicator_progress_create, name="indicator_progress_create"
    ),
    path("indicators/<int:pk>/target/", views.indicator_target_change, name="indicator_target_change"),
    path("progress/<int:pk>/", views.progress_detail, name="progress_detail"),
    path("progress/<int:pk>/edit/", views.progress_edit, name="progress_edit"),
    path("progress/<int:pk>/evidence/", views.progress_evidence, name="progress_evidence"),
    path("progress/<int:pk>/submit/", views.progress_submit, name="progress_submit"),
    path("progress/<int:pk>/approve/", views.progress_approve, name="progress_approve"),
    path("progress/<int:pk>/return/", views.progress_return, name="progress_return"),
    path("progress/<int:pk>/reopen/", views.progress_reopen, name="progress_reopen"),
    path("review/", views.review_queue, name="review_queue"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/lock/", views.period_lock, name="period_lock"),
    path("plans/<slug:code>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<slug:code>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<slug:code>/return/", views.plan_return, name="plan_return"),
    path("plans/<slug:code>/reopen/", views.plan_reopen, name="plan_reopen"),
]
