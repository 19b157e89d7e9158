"""REST API of the knowledge base under /api/v1/knowledge/. Thin: input serializers validate,
knowledge.services writes, knowledge.selectors reads and decides visibility."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.errors import NotFoundError, PermissionDeniedError

from .. import rules, selectors, services
from ..models import Article, ArticleVersion
from .serializers import (
    ArticleInputSerializer,
    ArticleSerializer,
    ArticleVersionSerializer,
    PublicArticleSerializer,
    SearchHitSerializer,
    SearchInputSerializer,
    WorkflowInputSerializer,
)


def _is_staff(user) -> bool:
    return bool(user and user.is_authenticated and rules.can_see_staff_pages(user))


def _visible(user):
    return selectors.articles_visible_to(user) if _is_staff(user) else selectors.public_articles()


class ArticleListView(generics.ListAPIView):
    """Articles: staff see what their role allows; anyone else the published public ones."""

    permission_classes = [permissions.AllowAny]

    def get_serializer_class(self):
        return ArticleSerializer if _is_staff(self.request.user) else PublicArticleSerializer

    def get_queryset(self):
        return _visible(self.request.user).order_by("-updated_at", "-id")

    @extend_schema(
        request=ArticleInputSerializer,
        responses={201: ArticleSerializer},
        summary="Draft a new article (a unit's editors, or the hotline centre)",
    )
    def post(self, request):
        if not request.user.is_authenticated:
            raise PermissionDeniedError(_("Log in to write articles."))
        data = ArticleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        note = fields.pop("note", "")
        fields.pop("version", None)
        article = services.article_create(actor=request.user, note=note, **fields)
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)


def _article(request, pk) -> Article:
    article = _visible(request.user).filter(pk=pk).first()
    if article is None:
        raise NotFoundError(_("No such article."))
    return article


class ArticleDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=ArticleSerializer, summary="One article")
    def get(self, request, pk: int):
        article = _article(request, pk)
        cls = ArticleSerializer if _is_staff(request.user) else PublicArticleSerializer
        return Response(cls(article).data)

    @extend_schema(
        request=ArticleInputSerializer,
        responses=ArticleSerializer,
        summary="Edit an article (a new version; send `version` to guard against lost updates)",
    )
    def patch(self, request, pk: int):
        if not request.user.is_authenticated:
            raise PermissionDeniedError(_("Log in to write articles."))
        article = _article(request, pk)
        data = ArticleInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        note = fields.pop("note", "")
        version = fields.pop("version", None)
        article = services.article_update(
            actor=request.user, article=article, note=note, expected_version=version, **fields
        )
        return Response(ArticleSerializer(article).data)


class ArticleVersionsView(generics.ListAPIView):
    serializer_class = ArticleVersionSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ArticleVersion.objects.none()
        if not _is_staff(self.request.user):
            raise PermissionDeniedError(_("Only staff read an article's history."))
        article = _article(self.request, self.kwargs["pk"])
        return selectors.article_history(article)


class ArticleWorkflowView(APIView):
    """submit (the unit), publish / send back / retire (the hotline centre)."""

    permission_classes = [permissions.IsAuthenticated]
    action_name = ""

    @extend_schema(request=WorkflowInputSerializer, responses=ArticleSerializer)
    def post(self, request, pk: int):
        article = _article(request, pk)
        data = WorkflowInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        article = services.WORKFLOW_ACTIONS[self.action_name](
            actor=request.user,
            article=article,
            note=data.validated_data["note"],
            expected_version=data.validated_data["version"],
        )
        return Response(ArticleSerializer(article).data)


class ArticleSearchView(APIView):
    """Search in Chinese; staff get every published article in effect, others public ones."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[SearchInputSerializer],
        responses=SearchHitSerializer(many=True),
        summary="Search published articles in effect (relevance, then freshness)",
    )
    def get(self, request):
        data = SearchInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        hits = selectors.article_search(
            v["q"],
            category=v["category"],
            region=v["region"],
            public_only=not _is_staff(request.user),
            limit=v["limit"],
        )
        return Response({"results": SearchHitSerializer(hits, many=True).data})
