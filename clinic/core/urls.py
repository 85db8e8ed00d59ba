from django.urls import path

from clinic.core import views, views_settings

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.dashboard, name="dashboard"),
    path("today/alerts/", views.today_alerts, name="today_alerts"),
    path("settings/", views_settings.settings_list, name="settings"),
    path("settings/changes/", views_settings.setting_proposals, name="setting_proposals"),
    path("settings/changes/<int:proposal_id>/", views_settings.setting_proposal, name="setting_proposal"),
    path(
        "settings/changes/<int:proposal_id>/cosign/",
        views_settings.setting_proposal_cosign,
        name="setting_proposal_cosign",
    ),
    path(
        "settings/changes/<int:proposal_id>/reject/",
        views_settings.setting_proposal_reject,
        name="setting_proposal_reject",
    ),
    path(
        "settings/changes/<int:proposal_id>/withdraw/",
        views_settings.setting_proposal_withdraw,
        name="setting_proposal_withdraw",
    ),
    path("settings/<str:key>/", views_settings.setting_edit, name="setting_edit"),
    path("settings/<str:key>/propose/", views_settings.setting_propose, name="setting_propose"),
]
