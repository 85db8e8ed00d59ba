from django.urls import path

from clinic.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("patients/<int:patient_id>/<str:instrument_code>/new/", views.enter, name="enter"),
    path("patients/<int:patient_id>/scores/", views.patient_scores, name="patient_scores"),
    path("responses/<int:response_id>/", views.response_detail, name="response"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("my/<str:instrument_code>/", views.portal_fill, name="portal_fill"),
    path("my/responses/<int:response_id>/", views.portal_done, name="portal_done"),
]
