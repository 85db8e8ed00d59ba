from django.urls import path

from clinic.documents import views

app_name = "documents"

S = "sessions/<int:session_id>/"

urlpatterns = [
    path(S, views.session_documents, name="session"),
    path(S + "after-visit-summary.pdf", views.summary_pdf, name="summary_pdf"),
    path(S + "referral-letter.pdf", views.referral_pdf, name="referral_pdf"),
    path(S + "referral-letter/send/", views.referral_send, name="referral_send"),
    path(S + "flowsheet/", views.flowsheet, name="flowsheet"),
    path(S + "flowsheet.pdf", views.flowsheet_download, name="flowsheet_pdf"),
    path("mine/", views.portal_list, name="portal_list"),
    path(
        "mine/sessions/<int:session_id>/after-visit-summary.pdf",
        views.portal_summary_pdf,
        name="portal_summary_pdf",
    ),
]
