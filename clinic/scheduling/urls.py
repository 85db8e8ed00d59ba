from django.urls import path

from clinic.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.appointment_list, name="list"),
    path("book/", views.consultation_book_view, name="book"),
    path("book/<int:patient_id>/", views.consultation_book_view, name="book_for"),
    path("day/", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    # series booking
    path("series/new/", views.series_start, name="series_start"),
    path("patients/<int:patient_id>/series/new/", views.series_new, name="series_new"),
    path("series/<int:series_id>/", views.series_detail, name="series_detail"),
    path("series/<int:series_id>/move/", views.series_move_view, name="series_move"),
    path("series/<int:series_id>/cancel/", views.series_cancel_view, name="series_cancel"),
    path(
        "<int:appointment_id>/reschedule/", views.appointment_reschedule_view,
        name="appointment_reschedule",
    ),
    path("<int:appointment_id>/cancel/", views.appointment_cancel_view, name="appointment_cancel"),
    # administration
    path("hours/", views.hours_view, name="hours"),
    path("hours/closures/add/", views.closure_add, name="closure_add"),
    path("hours/closures/<int:closure_id>/remove/", views.closure_remove, name="closure_remove"),
    path("types/", views.types_view, name="types"),
    path("types/seed/", views.types_seed, name="types_seed"),
    path("types/<int:type_id>/", views.type_edit, name="type_edit"),
    path("rooms/", views.rooms_view, name="rooms"),
    path("rooms/<int:room_id>/toggle/", views.room_toggle, name="room_toggle"),
    path("shifts/", views.shifts_view, name="shifts"),
    path("shifts/<int:shift_id>/remove/", views.shift_remove, name="shift_remove"),
    # calendar feeds
    path("calendar-feeds/", views.feeds_view, name="feeds"),
    path("calendar-feeds/<int:token_id>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("my-calendar-feeds/", views.portal_feeds_view, name="portal_feeds"),
    path(
        "my-calendar-feeds/<int:token_id>/revoke/", views.portal_feed_revoke,
        name="portal_feed_revoke",
    ),
    path("feeds/<str:token>.ics", views.feed, name="feed"),
]
