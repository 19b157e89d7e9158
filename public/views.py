"""Public pages: anonymised case list and map, a case's public page, following, "me too",
the duplicate hint used while filing, and Atom feeds per area."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civic import catalogue
from civic.client import client_address
from civic.errors import ApplicationError
from civic.forms import row_id
from civic.models import Category, Region
from civic.pagination import CappedCountPaginator
from civic.templates import former

from . import selectors, services
from .forms import MapViewForm

PAGE_SIZE = 30
# The list counts its cases up to this many, then says "more than" (a full count of a
# million public cases took seconds); filters narrow the list.
LIST_COUNT_CAP = 1000


def _filters_context(request):
    return {
        "top_categories": Category.objects.filter(level=1, active=True).order_by("path"),
        "areas": Region.objects.filter(
            level__in=[Region.Level.DISTRICT, Region.Level.STREET, Region.Level.TOWNSHIP]
        ).order_by("path"),
        "params": request.GET,
        "statuses": [("open", _("All not yet closed")), *selectors.PUBLIC_STATUS_LABELS.items()],
    }


@require_GET
def case_list(request):
    qs = selectors.public_case_filter(selectors.public_cases(), params=request.GET)
    counted = selectors.public_case_filter(
        selectors.public_cases(), params=request.GET, counting=True
    )
    paginator = CappedCountPaginator(qs, PAGE_SIZE, cap=LIST_COUNT_CAP, count_list=counted)
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.public_views(page.object_list)
    return render(
        request,
        former("public/case_list.html", "cases/public_list.html"),
        {"page": page, "rows": rows, **_filters_context(request)},
    )


@require_GET
def case_map(request):
    # The list an area's bubble links to keeps the map's filters, but not its place.
    list_query = request.GET.copy()
    for name in ("region", "bbox", "zoom", "page"):
        list_query.pop(name, None)
    return render(
        request,
        former("public/case_map.html", "cases/public_map.html"),
        {
            **_filters_context(request),
            "list_query": list_query.urlencode(),
            "live_limit": selectors.MAP_LIVE_LIMIT,
            "points_limit": selectors.MAP_POINTS_LIMIT,
            "zoom_levels": ",".join(str(below) for below, _level in selectors.MAP_AREA_LEVELS),
        },
    )


@require_GET
def case_points(request):
    """GeoJSON for the map's view (`bbox`, `zoom`, and the list's filters): counts per area
    zoomed out, the newest cases in view zoomed in (public.selectors.map_view)."""
    form = MapViewForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {
                "message": _("Invalid map request."),
                "extra": {"fields": {name: list(errs) for name, errs in form.errors.items()}},
            },
            status=400,
        )
    data = selectors.map_view(
        request.GET, bbox=form.cleaned_data["bbox"], zoom=form.cleaned_data["zoom"]
    )
    return JsonResponse(data)


@require_GET
def case_detail(request, number):
    try:
        case = selectors.public_case_get(number)
    except ApplicationError as exc:
        raise Http404 from exc
    following = request.user.is_authenticated and case.followers.filter(user=request.user).exists()
    return render(
        request,
        former("public/case_detail.html", "cases/public_detail.html"),
        {
            "case": selectors.public_view(case),
            "reply": selectors.public_reply(case),
            "following": following,
        },
    )


@require_POST
def me_too(request, number):
    case = get_object_or_404(selectors.public_cases(), number=number)
    if not request.session.session_key:
        request.session.save()
    try:
        counted = services.me_too_add(
            case=case,
            user=request.user if request.user.is_authenticated else None,
            session_key=request.session.session_key or "",
            client_address=client_address(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("cases_public:detail", number=number)
    messages.success(
        request,
        _("Thank you — your voice was added.") if counted else _("You already added your voice."),
    )
    return redirect("cases_public:detail", number=number)


@login_required
@require_POST
def follow(request, number):
    case = get_object_or_404(selectors.public_cases(), number=number)
    services.follow_case(user=request.user, case=case)
    messages.success(request, _("You will be told when this case changes."))
    return redirect("cases_public:detail", number=number)


@login_required
@require_POST
def follow_area(request):
    region = get_object_or_404(Region, pk=request.POST.get("region") or 0)
    services.follow_area(user=request.user, region=region)
    messages.success(
        request, _("You will be told about cases in %(area)s.") % {"area": region.name}
    )
    return redirect(reverse("cases_public:list") + f"?region={region.pk}")


def unsubscribe(request, token):
    """One click from a mail: GET shows a confirmation button, POST removes the follow."""
    if request.method == "POST":
        services.unfollow(token=token)
        return render(
            request, former("public/unsubscribed.html", "cases/unsubscribed.html"), {"done": True}
        )
    return render(
        request,
        former("public/unsubscribed.html", "cases/unsubscribed.html"),
        {"done": False, "token": token},
    )


@require_GET
def nearby(request):
    """Duplicate hint while filing: open cases of the same category nearby, or similar text."""
    category_id, region_id = row_id(request.GET.get("category")), row_id(request.GET.get("region"))
    category = Category.objects.filter(pk=category_id, level=3).first() if category_id else None
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    text = (request.GET.get("q") or "").replace("\x00", "")[:200]
    if category is None and region is None and not text:
        return JsonResponse({"results": []})
    return JsonResponse(
        {"results": selectors.nearby_open_cases(category=category, region=region, text=text)}
    )


class AreaFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def get_object(self, request, code):
        return get_object_or_404(Region, code=code)

    def title(self, region):
        return _("Cases in %(area)s") % {"area": region.name}

    def link(self, region):
        return reverse("cases_public:list") + f"?region={region.pk}"

    def subtitle(self, region):
        return gettext_lazy("Anonymised cases reported to the city hotline.")

    def items(self, region):
        newest = selectors.public_case_filter(
            selectors.public_cases(), params={"region": str(region.pk)}
        )[:50]
        return catalogue.attach(list(newest), "category", "region", "lead_unit")

    def item_title(self, case):
        return f"{case.number} {selectors.public_title(case)}"

    def item_description(self, case):
        view = selectors.public_view(case, me_too=0)  # the feed shows no voices: not counted
        return f"{view['category']} · {view['area']} · {view['status_label']} · {view['unit']}"

    def item_link(self, case):
        return reverse("cases_public:detail", kwargs={"number": case.number})

    def item_updateddate(self, case):
        return case.updated_at

    def item_pubdate(self, case):
        return case.received_at


@login_required
def moderate(request, number):
    """A dispatcher hides or edits a case's public text (audited as a CaseEvent)."""
    from cases import rules
    from cases.models import Case

    case = get_object_or_404(
        Case.objects.select_related("category", "region", "lead_unit"), number=number
    )
    if not rules.can_arbitrate.test(request.user, case):
        raise Http404
    existing = getattr(case, "public_text", None) if hasattr(case, "public_text") else None
    if request.method == "POST":
        try:
            services.public_text_moderate(
                actor=request.user,
                case=case,
                title=request.POST.get("title", ""),
                reply=request.POST.get("reply", ""),
                hidden=request.POST.get("hidden") == "on",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The public text was updated."))
            return redirect("cases_public:moderate", number=number)
    return render(
        request,
        former("public/moderate.html", "cases/moderate.html"),
        {
            "case": case,
            "public": selectors.public_view(case),
            "reply": selectors.public_reply(case),
            "existing": existing,
        },
    )
