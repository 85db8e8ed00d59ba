from django.urls import path

from clinic.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.dashboard, name="dashboard"),
    path("today/alerts/", views.today_alerts, name="today_alerts"),
    path("settings/", views.settings_list, name="settings"),
    path("settings/<str:key>/", views.setting_edit, name="setting_edit"),
]
