from django.contrib.auth import views as auth_views
from django.urls import path

from clinic.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("switch-clinic/", views.switch_clinic, name="switch_clinic"),
]
