from django.urls import path

from clinic.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.appointment_list, name="list"),
    path("book/", views.consultation_book_view, name="book"),
    path("book/<int:patient_id>/", views.consultation_book_view, name="book_for"),
]
