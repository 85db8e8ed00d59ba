from django.urls import include, path

from clinic.api.api import api

urlpatterns = [
    path("", include("clinic.intake.urls")),
    path("", include("clinic.core.urls")),
    path("accounts/", include("clinic.accounts.urls")),
    path("patients/", include("clinic.patients.urls")),
    path("appointments/", include("clinic.scheduling.urls")),
    path("audit/", include("clinic.audit.urls")),
    path("outcomes/", include("clinic.outcomes.urls")),
    path("evaluation/", include("clinic.evaluation.urls")),
    path("treatment/", include("clinic.treatment.urls")),
    path("reminders/", include("clinic.reminders.urls")),
    path("infusions/", include("clinic.infusions.urls")),
    path("board/", include("clinic.board.urls")),
    path("documents/", include("clinic.documents.urls")),
    path("portal/", include("clinic.portal.urls")),
    path("api/v1/", api.urls),
]

handler400 = "clinic.core.errors.bad_request"
handler403 = "clinic.core.errors.permission_denied"
handler404 = "clinic.core.errors.page_not_found"
handler500 = "clinic.core.errors.server_error"
