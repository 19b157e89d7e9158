from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, Category, Membership, Region, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit", "user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "is_active", "is_superuser"]
    search_fields = ["username", "display_name", "email", "phone"]
    list_filter = ["is_active", "is_superuser", "memberships__role"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("civic"), {"fields": ("display_name", "phone", "home_region")}),
    )
    autocomplete_fields = ["home_region"]
    inlines = [MembershipInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code", "name_en"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "level",
        "parent",
        "handling_level",
        "default_urgency",
        "active",
    ]
    list_filter = ["level", "handling_level", "default_urgency", "active", "residents_may_file"]
    search_fields = ["name", "code", "name_en", "keywords"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "peer_group", "jurisdiction", "parent", "active"]
    list_filter = ["kind", "peer_group", "utility", "active"]
    search_fields = ["name", "code", "name_en"]
    autocomplete_fields = ["jurisdiction", "parent", "responsible_categories"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "active"]
    list_filter = ["role", "active", "unit__kind"]
    search_fields = ["user__username", "user__display_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "is_workday", "name", "source"]
    list_filter = ["kind", "is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"


# Chinese-first titles for the city administrator; the calendar banner is in
# templates/admin/base_site.html (civic.templatetags.civic_admin).
admin.site.site_header = _("civic administration")
admin.site.site_title = _("civic administration")
admin.site.index_title = _("City configuration")
