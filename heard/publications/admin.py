"""What the site's administrators keep in the Django admin: contact topics (which team each goes
to), newsletters and their topics, and the shared tags and authors. Publications, issues,
subscribers and messages are not here: they are written through Manage, where the permission
rules, the activity log and (for messages) the record of each reading apply."""

from django.contrib import admin

from heard.publications.models import Author, ContactTopic, Newsletter, Tag, Topic


@admin.register(ContactTopic)
class ContactTopicAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "team_email", "position", "active"]
    list_filter = ["active", "organisation"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["organisation"]


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 1
    fields = ["name", "slug", "description", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "reply_to"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["organisation"]
    inlines = [TopicInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    """Bylines, shared by every publication that credits the same person with the same affiliation."""

    list_display = ["name", "affiliation"]
    search_fields = ["name", "affiliation"]
