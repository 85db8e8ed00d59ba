from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "clinic.treatment"
    label = "treatment"
