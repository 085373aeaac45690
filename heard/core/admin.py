from django.contrib import admin

from heard.core.models import ActivityLog, OutboundEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened are read, never edited by hand."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "object_type", "object_id", "organisation_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id"]
    date_hierarchy = "created_at"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    exclude = ["text_body", "html_body", "subject"]
