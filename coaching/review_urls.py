from django.urls import path

from coaching import views_review

app_name = "review"

urlpatterns = [
    path("caseloads/", views_review.team_dashboard, name="team_dashboard"),
    path("caseloads/coaches/<int:pk>/", views_review.coach_detail, name="coach_detail"),
    path("caseloads/clients/<int:pk>/", views_review.client_history, name="client_history"),
    path(
        "caseloads/clients/<int:pk>/reassign/", views_review.client_reassign, name="client_reassign"
    ),
    path("caseloads/report/", views_review.report, name="report"),
]
