from django.contrib import admin

from civic.admin import ReadOnlyAdmin

from .models import Article, ArticleUse, ArticleVersion


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "action", "status", "actor", "at", "note", "changed_fields"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    """Read-only: articles change through the knowledge pages (every change a version)."""

    list_display = ["id", "title", "status", "unit", "category", "public", "review_by", "version"]
    list_filter = ["status", "public"]
    search_fields = ["title"]
    inlines = [ArticleVersionInline]


@admin.register(ArticleUse)
class ArticleUseAdmin(ReadOnlyAdmin):
    list_display = ["article", "case", "user", "at"]
