from django.urls import path

from clinic.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_register_view, name="register"),
    path("<int:patient_id>/", views.patient_chart_view, name="chart"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/history/", views.patient_history_view, name="history"),
    path("<int:patient_id>/measurements/new/", views.measurement_add, name="measurement_add"),
    path("<int:patient_id>/diagnoses/new/", views.diagnosis_add_view, name="diagnosis_add"),
    path(
        "<int:patient_id>/diagnoses/<int:diagnosis_id>/status/",
        views.diagnosis_status, name="diagnosis_status",
    ),
    path("<int:patient_id>/medications/new/", views.medication_add_view, name="medication_add"),
    path(
        "<int:patient_id>/medications/<int:medication_id>/stop/",
        views.medication_stop_view, name="medication_stop",
    ),
    path("<int:patient_id>/allergies/new/", views.allergy_add_view, name="allergy_add"),
    path(
        "<int:patient_id>/allergies/<int:allergy_id>/deactivate/",
        views.allergy_deactivate_view, name="allergy_deactivate",
    ),
]
