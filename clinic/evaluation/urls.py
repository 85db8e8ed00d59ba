from django.urls import path

from clinic.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_evaluation, name="patient"),
    path("patients/<int:patient_id>/intake/", views.intake, name="intake"),
    path(
        "patients/<int:patient_id>/intake/v<int:version>/",
        views.intake_version,
        name="intake_version",
    ),
    path("my-intake/", views.portal_intake, name="portal_intake"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_add, name="rule_add"),
    path("rules/<str:rule_id>/", views.rule_edit, name="rule_edit"),
]
