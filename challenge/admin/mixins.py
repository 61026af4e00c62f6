from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdminMixin:
    """Look, never add, change or delete here: history and decisions are changed
    only through the moderation services (and their own buttons and actions)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


def actor_label(user) -> str:
    """Who acted, as the audit log, its CSV and the desk say it: a staff member's
    name as set in the admin (else "Staff member N"), "participant" for the person
    whose entry it is, "system" for the site itself. Never a username: allauth
    makes it from the local part of the e-mail address."""
    if user is None:
        return gettext("system")
    if user.is_staff:
        return user.get_full_name() or gettext("Staff member %(id)s") % {"id": user.pk}
    return gettext("participant")


class StaffActorFilter(admin.RelatedOnlyFieldListFilter):
    """Filter by the staff member who acted (those who ever appear in the log), by
    their display name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("moderator")

    def field_choices(self, field, request, model_admin):
        ids = (
            model_admin.get_queryset(request)
            .exclude(actor=None)
            .values_list("actor", flat=True)
            .distinct()
        )
        staff = field.related_model.objects.filter(pk__in=ids, is_staff=True)
        return sorted(
            ((user.pk, actor_label(user)) for user in staff), key=lambda c: c[1]
        )
