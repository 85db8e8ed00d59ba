from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "clinic.infusions"
    label = "infusions"
