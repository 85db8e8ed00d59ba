"""Display helpers for the registry and chart templates."""

from django import template

from clinic.patients.body import cm_to_feet_inches, kg_to_lb
from clinic.patients.drug_classes import drug_class_label

register = template.Library()


@register.filter
def in_lb(weight_kg) -> str:
    return f"{kg_to_lb(weight_kg)} lb" if weight_kg is not None else ""


@register.filter
def in_ft_in(height_cm) -> str:
    if height_cm is None:
        return ""
    feet, inches = cm_to_feet_inches(height_cm)
    return f"{feet} ft {inches} in"


@register.filter
def drug_class(value: str) -> str:
    return drug_class_label(value)
