from django.urls import path

from bench import views

urlpatterns = [path("bench/bare/<int:pk>/", views.bare, name="bench_bare")]
