from django.contrib.auth import views as auth_views
from django.urls import path

from clinic.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("switch-clinic/", views.switch_clinic, name="switch_clinic"),
    # Staff administration (clinic administrators).
    path("staff/", views.staff_list, name="users"),
    path("staff/add/", views.staff_add, name="user_add"),
    path("staff/<int:membership_id>/", views.membership_edit, name="membership_edit"),
    path(
        "staff/<int:membership_id>/reset-two-factor/",
        views.reset_two_factor,
        name="reset_two_factor",
    ),
    path("staff/<int:membership_id>/unlock/", views.unlock, name="unlock"),
]
