from django.contrib import admin

from heard.directory.models import Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "category", "status", "is_private"]
    list_filter = ["category", "status", "is_private"]
    search_fields = ["name", "description"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["areas"]
    readonly_fields = ["uid"]
