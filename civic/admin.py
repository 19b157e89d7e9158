from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import calendar
from .models import CalendarDay, Category, Membership, Region, Unit, User
from .pagination import EstimatedCountPaginator


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services (audit trails, logs, records): listed and read, never
    added, changed or deleted from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LargeTableAdmin(admin.ModelAdmin):
    """The admin for a table of millions of rows: an estimated total on an unfiltered list, no
    second full count for "show all", dates filtered from the sidebar (a date hierarchy reads
    every row's date to draw its links), search on indexed columns only (the subclass's
    `search_fields`, exact matches through their indexes: `__exact`, as `=` would be `iexact`)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


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
    # `parent` is nullable, so the admin's automatic select_related() would not follow it: one
    # query per row without this.
    list_select_related = ["parent"]
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
    # The parent is nullable (first level): selected with the rows, not one query per row.
    list_select_related = ["parent"]
    list_filter = ["level", "handling_level", "default_urgency", "active", "residents_may_file"]
    search_fields = ["name", "code", "name_en", "keywords"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "peer_group", "jurisdiction", "parent", "active"]
    # Both are nullable (see RegionAdmin): selected with the rows, not one query per row.
    list_select_related = ["jurisdiction", "parent"]
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


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "kind", "name", "source"]

    def validate_unique(self):
        # Adding the official day for a date that only has a provisional row replaces that row
        # (calendar_day_enter): that date is not a duplicate.
        date = self.cleaned_data.get("date")
        if (
            self.instance.pk is None
            and date
            and CalendarDay.objects.filter(date=date, provisional=True).exists()
        ):
            return
        super().validate_unique()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Entering the State Council's schedule: saving a day (added or changed) makes it official
    and replaces the provisional row of that date; "confirm" takes the checked provisional days
    as official unchanged. Stored deadlines keep their dates."""

    form = CalendarDayForm
    list_display = ["date", "kind", "is_workday", "name", "source", "provisional"]
    list_filter = ["provisional", "kind", "is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["provisional"]
    actions = ["confirm_official"]

    def save_model(self, request, obj, form, change):
        calendar.calendar_day_enter(obj)

    @admin.action(description=_("Confirm the selected days as the official schedule"))
    def confirm_official(self, request, queryset):
        changed = calendar.calendar_days_confirm(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d provisional day confirmed as official.",
                "%(count)d provisional days confirmed as official.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )


# Chinese-first titles for the city administrator; the calendar banner is in
# templates/admin/base_site.html (civic.templatetags.civic_admin).
admin.site.site_header = _("civic administration")
admin.site.site_title = _("civic administration")
admin.site.index_title = _("City configuration")
