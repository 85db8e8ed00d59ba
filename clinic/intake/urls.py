from django.urls import path

from clinic.intake import views

app_name = "intake"

urlpatterns = [
    # Public site (the site root "/" is core's dispatcher, which sends visitors here).
    path("welcome/", views.home, name="home"),
    path("treatment/", views.treatment, name="treatment"),
    path("mood/", views.mood, name="mood"),
    path("pain/", views.pain, name="pain"),
    path("your-visit/", views.visit, name="visit"),
    path("faq/", views.faq, name="faq"),
    path("am-i-a-candidate/", views.self_check, name="self_check"),
    path("request-consultation/", views.consultation_request, name="request"),
    path("request-consultation/thanks/", views.request_done, name="request_done"),
    # Front-desk inbox.
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:public_id>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/<uuid:public_id>/contact/", views.inbox_contact, name="inbox_contact"),
    path("inbox/<uuid:public_id>/convert/", views.inbox_convert, name="inbox_convert"),
    path("inbox/<uuid:public_id>/close/", views.inbox_close, name="inbox_close"),
]
