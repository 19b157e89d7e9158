from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from civic.models import Category, Region, Unit

from ..models import CONTENT_FIELDS, Article, ArticleVersion


class ArticleVersionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = ArticleVersion
        # A version carries every content field of the article (models.CONTENT_FIELDS).
        fields = ["number", "action", "status", "actor", "at", "note", "changed_fields",
                  *CONTENT_FIELDS]  # fmt: skip


class ArticleSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, default=None)
    needs_review = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "answer",
            "policy_document",
            "policy_article",
            "policy_url",
            "category",
            "category_name",
            "region",
            "region_name",
            "unit",
            "unit_name",
            "public",
            "effective_from",
            "effective_to",
            "review_by",
            "keywords",
            "synonyms",
            "status",
            "version",
            "source_case",
            "created_at",
            "updated_at",
            "reviewed_at",
            "needs_review",
        ]
        read_only_fields = fields

    def get_needs_review(self, article) -> bool:
        from ..selectors import needs_review

        return needs_review(article)


class PublicArticleSerializer(ArticleSerializer):
    """What anyone may read: no owning-unit workflow data."""

    class Meta(ArticleSerializer.Meta):
        fields = [
            "id",
            "title",
            "answer",
            "policy_document",
            "policy_article",
            "policy_url",
            "category",
            "category_name",
            "region",
            "region_name",
            "updated_at",
            "needs_review",
        ]
        read_only_fields = fields


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    answer = serializers.CharField(max_length=10000)
    policy_document = serializers.CharField(max_length=300, required=False, allow_blank=True)
    policy_article = serializers.CharField(max_length=200, required=False, allow_blank=True)
    policy_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(active=True))
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(active=True))
    public = serializers.BooleanField(required=False)
    effective_from = serializers.DateField(required=False, allow_null=True)
    effective_to = serializers.DateField(required=False, allow_null=True)
    review_by = serializers.DateField(required=False, allow_null=True)
    keywords = serializers.CharField(max_length=500, required=False, allow_blank=True)
    synonyms = serializers.CharField(max_length=500, required=False, allow_blank=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The version the change was made on (optimistic concurrency: 409 if stale).",
    )

    def validate(self, attrs):
        start, end = attrs.get("effective_from"), attrs.get("effective_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"effective_to": [_("The end date comes before the start date.")]}
            )
        return attrs


class WorkflowInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class SearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=1000)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True, default=None
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True, default=None
    )
    limit = serializers.IntegerField(min_value=1, max_value=50, required=False, default=10)


class SearchHitSerializer(serializers.Serializer):
    article = PublicArticleSerializer()
    score = serializers.FloatField()
    overdue_review = serializers.BooleanField()
