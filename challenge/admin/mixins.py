from django.contrib import admin


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
