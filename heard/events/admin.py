from django.contrib import admin

from heard.events.models import Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """Themes are shared by every organisation's events, so the site's administrators keep them."""

    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ["name"]
