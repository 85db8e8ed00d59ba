from django.urls import path

from clinic.reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.message_list, name="messages"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path(
        "appointments/<int:appointment_id>/preparation/",
        views.preparation_detail,
        name="preparation",
    ),
    path(
        "appointments/<int:appointment_id>/preparation/phone/",
        views.preparation_phone,
        name="preparation_phone",
    ),
    # Public: the token is the only credential, and it says nothing about the patient.
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("confirm/<str:token>/done/", views.confirm_done, name="confirm_done"),
]
