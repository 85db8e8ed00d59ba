from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "clinic.documents"
    label = "documents"
