"""Open311 client keys and service attributes."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Open311Client, ServiceAttribute


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Keys are generated here and shown once; only a hash is stored."""

    list_display = [
        "name",
        "key_prefix",
        "active",
        "requests_per_minute",
        "created_at",
        "revoked_at",
    ]
    list_filter = ["active"]
    search_fields = ["name", "contact_email", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "revoked_at"]
    fields = [
        "name",
        "contact_email",
        "requests_per_minute",
        "active",
        "key_prefix",
        "created_at",
        "revoked_at",
    ]
    actions = ["revoke", "issue_new_key"]

    def save_model(self, request, obj, form, change):
        from .services import open311_client_assign_key

        if not change:
            key = open311_client_assign_key(client=obj, save=False)
            messages.warning(request, _("The new API key, shown only now: %(key)s") % {"key": key})
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        from .services import open311_client_revoke

        for client in queryset:
            open311_client_revoke(client=client)

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def issue_new_key(self, request, queryset):
        from .services import open311_client_assign_key

        for client in queryset:
            key = open311_client_assign_key(client=client)
            messages.warning(
                request,
                _("New key for %(name)s, shown only now: %(key)s")
                % {"name": client.name, "key": key},
            )


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["code", "category", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name"]
    autocomplete_fields = ["category"]
