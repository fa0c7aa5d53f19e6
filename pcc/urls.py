from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from core import views as core_views
from reports import search_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="agreements:programme_list"), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("search/", search_views.search_page, name="search"),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("imports.urls")),
    path("programmes/", include("agreements.urls")),
    path("budgets/", include("budgets.urls")),
    path("results/", include("results.urls")),
    path("finance/", include("finance.urls")),
    path("dashboards/", include("reports.urls")),
]
