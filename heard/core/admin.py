from django.contrib import admin

from heard.core.models import ActivityLog, OutboundEmail


class ReadOnlyMixin:
    """For admin pages and inlines whose rows are changed only through services (with their
    checks and the activity log), or are records of what happened: read, never edited by hand."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "object_type", "object_id", "organisation_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id"]
    date_hierarchy = "created_at"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    exclude = ["text_body", "html_body", "subject"]
