from django.urls import path

from bench import views
from coaching.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    *app_urlpatterns,
    path("bench/baseline/<int:pk>/", views.baseline, name="bench_baseline"),
]
