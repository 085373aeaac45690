from django.contrib import admin

from heard.core.admin import ReadOnlyMixin
from heard.organisations.models import Area, Membership, Organisation, PostcodePrefix


class PostcodePrefixInline(admin.TabularInline):
    model = PostcodePrefix
    extra = 1


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PostcodePrefixInline]


class MembershipInline(ReadOnlyMixin, admin.TabularInline):
    """Shown for reference only: roles are given and taken away on the Manage pages, where the
    permission rules, the last-administrator check and the activity log apply."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at", "granted_by"]
    readonly_fields = fields


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "is_operator"]
    list_filter = ["sector", "is_operator"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas"]
    inlines = [MembershipInline]
