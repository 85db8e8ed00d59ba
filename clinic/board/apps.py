from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "clinic.board"
    label = "board"
