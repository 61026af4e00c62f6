from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.accounts import person_label


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
            ((user.pk, person_label(user)) for user in staff), key=lambda c: c[1]
        )
