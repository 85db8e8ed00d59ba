from django.urls import path

from clinic.treatment import views

app_name = "treatment"

urlpatterns = [
    path("protocols/", views.protocol_list, name="protocol_list"),
    path("protocols/seed/", views.protocol_seed, name="protocol_seed"),
    path("protocols/<int:protocol_id>/", views.protocol_detail, name="protocol_detail"),
    path("protocols/<int:protocol_id>/edit/", views.protocol_edit, name="protocol_edit"),
    path("patients/<int:patient_id>/courses/", views.patient_courses, name="patient_courses"),
    path("patients/<int:patient_id>/courses/new/", views.course_create_view, name="course_create"),
    path("courses/<int:course_id>/", views.course_detail, name="course_detail"),
    path("courses/<int:course_id>/sign/", views.course_sign_view, name="course_sign"),
    path("courses/<int:course_id>/activate/", views.course_activate_view, name="course_activate"),
    path("courses/<int:course_id>/complete/", views.course_complete_view, name="course_complete"),
    path("courses/<int:course_id>/stop/", views.course_stop_view, name="course_stop"),
    path("courses/<int:course_id>/orders/new/", views.order_create_view, name="order_create"),
    path("courses/<int:course_id>/orders/preview/", views.order_preview, name="order_preview"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/sign/", views.order_sign_view, name="order_sign"),
    path("orders/<int:order_id>/verify/", views.order_verify_view, name="order_verify"),
    path("orders/<int:order_id>/cancel/", views.order_cancel_view, name="order_cancel"),
]
