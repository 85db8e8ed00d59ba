from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "clinic.evaluation"
    label = "evaluation"
