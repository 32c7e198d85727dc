from django.urls import path

from bench import views
from coaching.urls import urlpatterns as app_urlpatterns

# The baseline comes first: Django tries patterns in order, and where a page
# sits in the list is the page's cost, not the stack's.
urlpatterns = [
    path("bench/baseline/<int:pk>/", views.baseline, name="bench_baseline"),
    path("bench/sql/<int:pk>/<int:page>/<int:n>/", views.sql_only, name="bench_sql_only"),
    *app_urlpatterns,
]
