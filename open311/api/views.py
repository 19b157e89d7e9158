"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Plain Django views: the spec fixes URLs, field names, form encoding and an error format of its
own, which a generic REST framework would only get in the way of.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from cases.models import Case, Outcome, Status
from cases.selectors import (
    cases_public,
    public_description_of,
    public_point_of,
    public_reply_of,
)
from civic import catalogue
from civic.errors import REQUEST_REFUSALS, ApplicationError, request_refusal
from civic.models import Category

from .. import services
from ..models import Open311Request

# GeoReport v2, GET requests: without dates, the last 90 days; a range may not span more; the
# server may cap the results (the spec's example, and ours: 1000).
MAX_RANGE = dt.timedelta(days=90)
MAX_RESULTS = 1000
# Requests a call returns unless `page_size` asks for more (up to MAX_RESULTS). A thousand
# entries by default took 1–2 s at 1M cases (every description is scrubbed of personal data on
# the way out, ≈ 0.6 ms each); a page of PAGE_SIZE keeps the default call under 50 ms.
PAGE_SIZE = 50
# Coordinates are published on a ~100 m grid, never the exact point (privacy).
COARSE = Decimal("0.001")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def jurisdiction_id() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", "civic.local")


# --- rendering -----------------------------------------------------------------------------


def _xml_value(parent: ET.Element, key: str, value) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, list):
        item_tag = {
            "keywords": "keyword",
            "values": "value",
            "attributes": "attribute",
            "formats": "format",
            "endpoints": "endpoint",
        }.get(key, "item")
        for item in value:
            if isinstance(item, dict):
                node = ET.SubElement(child, item_tag)
                for k, v in item.items():
                    _xml_value(node, k, v)
            else:
                ET.SubElement(child, item_tag).text = _text(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(child, k, v)
    else:
        child.text = _text(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(
    fmt: str, data, *, root: str, item: str | None = None, status: int = 200
) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(
            json.dumps(data, ensure_ascii=False),
            status=status,
            content_type="application/json; charset=utf-8",
        )
    top = ET.Element(root)
    if item is None:
        for k, v in data.items():
            _xml_value(top, k, v)
    else:
        for entry in data:
            node = ET.SubElement(top, item)
            for k, v in entry.items():
                _xml_value(node, k, v)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        fmt if fmt in ("json", "xml") else "json",
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _coarse(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(COARSE, rounding=ROUND_HALF_UP))


# --- request helpers -----------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    locale = request.GET.get("locale") or request.POST.get("locale") or ""
    if locale:
        return "en" if locale.lower().startswith("en") else "zh-hans"
    return "en" if (request.LANGUAGE_CODE or "").startswith("en") else "zh-hans"


def _category_name(category: Category | None, lang: str) -> str:
    if category is None:
        return ""
    return (category.name_en or category.name) if lang == "en" else category.name


def _check_jurisdiction(params) -> None:
    given = (params.get("jurisdiction_id") or "").strip()
    if given and given != jurisdiction_id():
        raise Open311Error(404, _("Unknown jurisdiction_id."))


def _clean_param(value: str | None) -> str:
    if value is None:
        return ""
    if "\x00" in value:
        raise Open311Error(400, _("Parameters may not contain NUL bytes."))
    return value.strip()


def _leaf_by_code(code: str) -> Category:
    category = (
        Category.objects.filter(code=code, level=3, active=True, residents_may_file=True)
        .select_related("parent")
        .first()
    )
    if category is None:
        raise Open311Error(404, _("Unknown service_code."))
    return category


class Open311View(View):
    def dispatch(self, request, *args, **kwargs):
        fmt = kwargs.pop("fmt", "json")
        try:
            _check_jurisdiction(request.GET if request.method == "GET" else request.POST)
            with translation.override(_language(request)):
                return super().dispatch(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return render_error(fmt, exc.status, exc.description)
        except ApplicationError as exc:
            return render_error(fmt, exc.status_code, exc.message)
        except REQUEST_REFUSALS as exc:  # a body or query string past Django's limits
            refusal = request_refusal(exc)
            return render_error(fmt, refusal.status_code, refusal.message)

    def http_method_not_allowed(self, request, *args, **kwargs):
        return render_error(kwargs.get("fmt", "json"), 405, _("Method not allowed."))


# --- endpoints ---------------------------------------------------------------------------------


class DiscoveryView(Open311View):
    def get(self, request, fmt):
        base = (
            request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit(
                "/", 1
            )[0]
            + "/"
        )
        data = {
            "changeset": "2026-11-22T00:00:00+08:00",
            "contact": getattr(
                settings, "OPEN311_CONTACT", "12345 hotline centre, open311@civic.local"
            ),
            "key_service": _("API keys are issued by the hotline centre's administrators."),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base.rstrip("/"),
                    "changeset": "2026-11-22T00:00:00+08:00",
                    "type": "production" if not settings.DEBUG else "test",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
        return render(fmt, data, root="discovery")


def _service_entry(category: Category, lang: str, has_attributes: bool) -> dict:
    return {
        "service_code": category.code,
        "service_name": _category_name(category, lang),
        "description": category.full_name(" / ")
        if lang != "en"
        else category.name_en or category.full_name(" / "),
        "metadata": has_attributes,
        "type": "realtime",
        "keywords": [k for k in re.split(r"[,，\s]+", category.keywords) if k],
        "group": _category_name(category.parent, lang),
    }


class ServiceListView(Open311View):
    def get(self, request, fmt):
        lang = _language(request)
        from ..models import ServiceAttribute

        with_attrs = set(
            ServiceAttribute.objects.filter(category__isnull=False).values_list(
                "category__path", flat=True
            )
        )
        global_attrs = ServiceAttribute.objects.filter(category__isnull=True).exists()
        leaves = (
            Category.objects.filter(level=3, active=True, residents_may_file=True)
            # The description is the full path: the grandparent too, or a query per service.
            .select_related("parent__parent")
            .order_by("path")
        )
        data = [
            _service_entry(c, lang, global_attrs or any(c.path.startswith(p) for p in with_attrs))
            for c in leaves
        ]
        return render(fmt, data, root="services", item="service")


class ServiceDefinitionView(Open311View):
    def get(self, request, fmt, service_code):
        lang = _language(request)
        category = _leaf_by_code(_clean_param(service_code))
        attributes = []
        for attr in services.attributes_for(category):
            attributes.append(
                {
                    "variable": True,
                    "code": attr.code,
                    "datatype": attr.datatype,
                    "required": attr.required,
                    "datatype_description": attr.datatype_description,
                    "order": attr.order,
                    "description": (attr.description_en or attr.description)
                    if lang == "en"
                    else attr.description,
                    "values": [
                        {
                            "key": v.get("key"),
                            "name": (v.get("name_en") or v.get("name"))
                            if lang == "en"
                            else v.get("name"),
                        }
                        for v in attr.values
                    ],
                }
            )
        return render(
            fmt,
            {"service_code": category.code, "attributes": attributes},
            root="service_definition",
        )


def _request_entry(case: Case, lang: str, labels: dict[str, str] | None = None) -> dict:
    """A case as the public reads it (the same rule and text as the public pages): the public
    description and reply, the community instead of the address, a coarse point. `labels`:
    the status and outcome names of a list, looked up once (`_status_labels`)."""
    extra = getattr(case, "open311", None) if hasattr(case, "open311") else None
    notes = public_reply_of(case)
    if not notes:
        labels = labels if labels is not None else _status_labels()
        notes = labels.get(case.outcome or case.status, case.outcome or case.status)
    lat, lng = public_point_of(case)
    return {
        "service_request_id": case.number,
        "status": "closed" if case.status == Status.CLOSED else "open",
        "status_notes": notes,
        "service_name": _category_name(case.category, lang),
        "service_code": case.category.code,
        "description": public_description_of(case),
        "agency_responsible": case.lead_unit.name if case.lead_unit_id else "",
        "service_notice": _("To be handled by %(due)s.") % {"due": _iso(case.handle_due_at)}
        if case.handle_due_at and case.status != Status.CLOSED
        else "",
        "requested_datetime": _iso(case.received_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.handle_due_at),
        "address": case.region.name,
        "address_id": case.region.code,
        "zipcode": "",
        "lat": _coarse(lat),
        "long": _coarse(lng),
        "media_url": extra.media_url if extra else "",
    }


def _parse_w3c(value: str, name: str) -> dt.datetime:
    parsed = None
    try:
        parsed = parse_datetime(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError:
            raise Open311Error(400, _("%(name)s is not a W3C datetime.") % {"name": name}) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _requests_queryset():
    """Only what the public may see (`cases_public`): a case closed as private or hidden by a
    dispatcher is unknown here, as on the public pages. (Categories, units and regions come
    from memory: `_entries`.)"""
    return cases_public().select_related("open311", "public_text").prefetch_related("replies")


def _status_labels() -> dict[str, str]:
    """Status and outcome names in the active language (get_FOO_display per entry re-hashed
    the choices each time: a fifth of a page's formatting)."""
    return {value: str(label) for value, label in (*Status.choices, *Outcome.choices)}


def _entries(cases, lang: str) -> list[dict]:
    cases = catalogue.attach(list(cases), "category", "lead_unit", "region")
    labels = _status_labels()
    return [_request_entry(c, lang, labels) for c in cases]


def _whole_number(request: HttpRequest, name: str, default: int, *, low: int, high: int) -> int:
    raw = _clean_param(request.GET.get(name))
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
        )
    return int(raw)


class RequestsView(Open311View):
    def get(self, request, fmt):
        lang = _language(request)
        qs = _requests_queryset()
        ids = _clean_param(request.GET.get("service_request_id"))
        if ids:
            numbers = [n.strip() for n in ids.split(",") if n.strip()][:MAX_RESULTS]
            qs = qs.filter(number__in=numbers)
        else:
            now = timezone.now()
            start_raw = _clean_param(request.GET.get("start_date"))
            end_raw = _clean_param(request.GET.get("end_date"))
            end = _parse_w3c(end_raw, "end_date") if end_raw else None
            start = _parse_w3c(start_raw, "start_date") if start_raw else None
            if start and end and end < start:
                raise Open311Error(400, _("end_date is before start_date."))
            if start and end and end - start > MAX_RANGE:
                raise Open311Error(400, _("The date range may not span more than 90 days."))
            if start is None and end is None:
                end, start = now, now - MAX_RANGE
            elif start is None:
                start = end - MAX_RANGE
            elif end is None:
                end = start + MAX_RANGE
            qs = qs.filter(received_at__gte=start, received_at__lte=end)
            codes = [
                c for c in re.split(r"[,\s]+", _clean_param(request.GET.get("service_code"))) if c
            ]
            if codes:
                # By id, not through a join on the code: with the category known when the
                # query is planned, case_category_received_idx is walked newest first and
                # stops at the page (joined, every case of the service in the window was read).
                services_asked = Category.objects.filter(code__in=codes).values_list(
                    "pk", flat=True
                )
                qs = qs.filter(category_id__in=list(services_asked))
            statuses = {
                s for s in re.split(r"[,\s]+", _clean_param(request.GET.get("status")).lower()) if s
            }
            if statuses - {"open", "closed"}:
                raise Open311Error(400, _("status must be open or closed."))
            if statuses == {"open"}:
                qs = qs.exclude(status=Status.CLOSED)
            elif statuses == {"closed"}:
                qs = qs.filter(status=Status.CLOSED)
        if ids:
            rows = qs.order_by("-received_at")[:MAX_RESULTS]
        else:
            # Non-standard paging (as Chicago's and Austin's GeoReport servers page): PAGE_SIZE
            # newest requests a call, `page_size` up to the spec's cap of MAX_RESULTS, and
            # `page` within the first MAX_RESULTS of a query; narrower dates reach the rest.
            size = _whole_number(request, "page_size", PAGE_SIZE, low=1, high=MAX_RESULTS)
            page = _whole_number(request, "page", 1, low=1, high=MAX_RESULTS)
            offset = (page - 1) * size
            if offset >= MAX_RESULTS:
                raise Open311Error(
                    400,
                    _(
                        "Only the first %(n)s requests of a query are served: "
                        "narrow start_date and end_date."
                    )
                    % {"n": MAX_RESULTS},
                )
            # Newest first along the received_at index (with service_code: along
            # case_category_received_idx), reading only the rows of the page.
            rows = qs.order_by("-received_at", "-pk")[offset : min(offset + size, MAX_RESULTS)]
        return render(fmt, _entries(rows, lang), root="service_requests", item="request")

    def post(self, request, fmt):
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise Open311Error(400, _("POST requests must be form-encoded."))
        params = request.POST
        client = services.open311_client_authenticate(_clean_param(params.get("api_key")))
        code = _clean_param(params.get("service_code"))
        if not code:
            raise Open311Error(400, _("service_code is required."))
        category = _leaf_by_code(code)
        attributes: dict[str, list[str]] = {}
        for key in params:
            match = re.fullmatch(r"attribute\[([A-Za-z0-9_-]{1,40})\](?:\[\])?", key)
            if match:
                attributes.setdefault(match.group(1), []).extend(
                    _clean_param(v) for v in params.getlist(key)
                )
        created = services.open311_request_create(
            client=client,
            category=category,
            lat=_clean_param(params.get("lat")) or None,
            lng=_clean_param(params.get("long")) or None,
            address_string=_clean_param(params.get("address_string")),
            address_id=_clean_param(params.get("address_id")),
            attributes=attributes,
            email=_clean_param(params.get("email")),
            device_id=_clean_param(params.get("device_id")),
            account_id=_clean_param(params.get("account_id")),
            first_name=_clean_param(params.get("first_name")),
            last_name=_clean_param(params.get("last_name")),
            phone=_clean_param(params.get("phone")),
            description=_clean_param(params.get("description")),
            media_url=_clean_param(params.get("media_url")),
        )
        case = created.request.case
        data = [
            {
                "service_request_id": case.number,
                "token": created.request.token,
                "service_notice": _(
                    "Your request was received; it will be dispatched to the responsible unit."
                ),
                "account_id": created.request.account_id or None,
            }
        ]
        return render(fmt, data, root="service_requests", item="request", status=201)


class RequestDetailView(Open311View):
    def get(self, request, fmt, service_request_id):
        number = _clean_param(service_request_id)
        cases = _requests_queryset().filter(number=number)[:1]
        data = _entries(cases, _language(request))
        if not data:
            raise Open311Error(404, _("Unknown service_request_id."))
        return render(fmt, data, root="service_requests", item="request")


class TokenView(Open311View):
    def get(self, request, fmt, token):
        found = (
            Open311Request.objects.filter(token=_clean_param(token)).select_related("case").first()
        )
        if found is None:
            raise Open311Error(404, _("Unknown token."))
        data = [{"service_request_id": found.case.number, "token": found.token}]
        return render(fmt, data, root="service_requests", item="request")


csrf_exempt_requests = method_decorator(csrf_exempt, name="dispatch")(RequestsView)
__all__ = [
    "DiscoveryView",
    "Q",
    "RequestDetailView",
    "ServiceDefinitionView",
    "ServiceListView",
    "TokenView",
    "csrf_exempt_requests",
]
