from django.urls import path

from clinic.board import views

app_name = "board"

urlpatterns = [
    path("", views.board, name="board"),
    path("fragment/", views.fragment, name="fragment"),
]
