from django.urls import path

from clinic.infusions import views
from clinic.infusions.views.alerts import alerts_top

app_name = "infusions"

S = "sessions/<int:session_id>/"

urlpatterns = [
    path("", views.day, name="day"),
    path("appointments/<int:appointment_id>/check-in/", views.check_in, name="check_in"),
    path(S, views.session_page, name="session"),
    path(S + "live/", views.live, name="live"),
    path(S + "panels/", views.panels, name="panels"),
    path(S + "alerts/", alerts_top, name="alerts_top"),
    path(S + "gate/", views.gate, name="gate"),
    path(S + "gate/<str:item>/override/", views.override, name="override"),
    path(S + "abandon/", views.abandon, name="abandon"),
    path(S + "start/", views.start, name="start"),
    path(S + "pause/", views.pause, name="pause"),
    path(S + "resume/", views.resume, name="resume"),
    path(S + "rate/", views.rate, name="rate"),
    path(S + "stop/", views.stop, name="stop"),
    path(S + "vitals/", views.vitals, name="vitals"),
    path(S + "alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path(S + "side-effects/", views.side_effect, name="side_effect"),
    path(S + "rescue-medications/", views.rescue, name="rescue"),
    path(S + "ratings/", views.rating, name="rating"),
    path(S + "discharge/", views.discharge, name="discharge"),
]
