from django.urls import path

from agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("sources/<slug:code>/", views.document, name="document"),
    path("<slug:code>/", views.programme_detail, name="programme_detail"),
    path("<slug:code>/agreements/<slug:agreement_code>/", views.agreement_detail, name="agreement_detail"),
]
