"""Texts of Django's own admin that its Vietnamese catalogue does not translate yet (Django
5.2), listed here so that the project's catalogue (locale/, which takes precedence) carries
them: a reviewer reads the admin in one language. Never imported; `make messages` reads it."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_TEXTS = [
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop("Skip to main content"),
    gettext_noop("Hide counts"),
    gettext_noop("Show counts"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Sidebar"),
    gettext_noop("Filter navigation items"),
    gettext_noop("entry"),  # with its plural, "entries": Django and the history count with it
    gettext_noop("View selected %(model)s"),
    gettext_noop("Set password"),
]

# django-simple-history's history pages (3.x ships no Vietnamese catalogue).
SIMPLE_HISTORY_TEXTS = [
    gettext_noop("Object"),
    gettext_noop("Date/time"),
    gettext_noop("Changed by"),
    gettext_noop("Change reason"),
    gettext_noop("None"),
    gettext_noop("History"),
    gettext_noop("View history: %s"),
    gettext_noop("Change history: %s"),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("View %s"),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop("Close"),
]
