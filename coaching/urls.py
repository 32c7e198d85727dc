from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from coaching import views

# The admin signs in through allauth, so its rate limits and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("sessions_log.urls")),
    path("", include("coaching.trust_urls")),
    path("", include("coaching.review_urls")),
]

if settings.BENCH_BASELINE:
    # `make bench` only: the page the others are measured against.
    urlpatterns.append(
        path("bench/baseline/<int:pk>/", views.bench_baseline, name="bench_baseline")
    )
