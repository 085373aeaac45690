from django.urls import path

from heard.publications.views import contact, feeds, issues, manage, newsletter, public

app_name = "publications"

urlpatterns = [
    # Publications, for everyone.
    path("publications/", public.publication_list, name="list"),
    path("publications/feed.rss", feeds.rss_feed, name="feed_rss"),
    path("publications/feed.atom", feeds.atom_feed, name="feed_atom"),
    # Publishing, for the conveners and managers of an organisation.
    path("publications/manage/", manage.publications_manage, name="manage"),
    path("publications/manage/new/", manage.publication_new, name="publication_new"),
    path("publications/manage/<slug:slug>/", manage.publication_edit, name="publication_edit"),
    path("publications/manage/<slug:slug>/files/", manage.attachments_manage, name="attachments_manage"),
    path("publications/<slug:slug>/", public.publication, name="publication"),
    path("publications/<slug:slug>/print/", public.publication_print, name="print"),
    path("publications/<slug:slug>/picture/", public.lead_image, name="lead_image"),
    path("publications/<slug:slug>/files/<int:pk>/", public.attachment, name="attachment"),
    # The newsletter: subscribing (double opt-in), preferences and one-click unsubscribe.
    path("newsletters/", newsletter.newsletters, name="newsletters"),
    path("newsletters/confirm/<str:token>/", newsletter.confirm, name="confirm"),
    path("newsletters/preferences/<str:token>/", newsletter.preferences, name="preferences"),
    path("newsletters/unsubscribe/<str:token>/", newsletter.unsubscribe, name="unsubscribe"),
    path("newsletters/webhooks/delivery/", newsletter.delivery_webhook, name="delivery_webhook"),
    # Composing and sending issues.
    path("newsletters/manage/", issues.newsletters_manage, name="newsletters_manage"),
    path("newsletters/manage/<slug:slug>/", issues.newsletter_manage, name="newsletter_manage"),
    path("newsletters/manage/<slug:slug>/topics/", issues.topics_manage, name="topics_manage"),
    path("newsletters/manage/<slug:slug>/issues/new/", issues.issue_new, name="issue_new"),
    path("newsletters/manage/<slug:slug>/issues/<int:pk>/", issues.issue_edit, name="issue_edit"),
    path("newsletters/<slug:slug>/", newsletter.newsletter, name="newsletter"),
    path("newsletters/<slug:slug>/issues/<int:number>/", newsletter.issue, name="issue"),
    # The contact form, and the messages it brings to each team.
    path("contact/", contact.contact, name="contact"),
    path("contact/sent/", contact.contact_sent, name="contact_sent"),
    path("contact/manage/", contact.messages_manage, name="contact_manage"),
    path("contact/manage/<int:pk>/", contact.message, name="contact_message"),
]
