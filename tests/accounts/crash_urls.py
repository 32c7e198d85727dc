"""The project's URLs and one page that fails, for the 500 page's tests."""

from django.urls import path

from coaching.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("secret detail: database password is hunter2")


urlpatterns = [path("crash/", crash), *project_urlpatterns]
