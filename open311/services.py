"""Open311 writes: API keys and service requests (through the normal intake service)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Channel, Kind
from civic.errors import DomainValidationError, PermissionDeniedError, RateLimitedError
from civic.models import Category, Region
from civic.throttling import count_in_window

from .models import Open311Client, Open311Request, ServiceAttribute

DEMO_KEY = "civic-demo-open311"


def _hash_key(key: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), key.strip().encode(), hashlib.sha256).hexdigest()


def open311_client_assign_key(
    *, client: Open311Client, key: str | None = None, save: bool = True
) -> str:
    """Give a client a fresh key (the old one stops working) and reactivate it. The key is
    returned once; only its prefix and hash are stored. `save=False` for an unsaved client."""
    key = key or f"o311-{secrets.token_urlsafe(24)}"
    client.key_prefix, client.key_hash = key[:8], _hash_key(key)
    client.active, client.revoked_at = True, None
    if save:
        client.save(update_fields=["key_prefix", "key_hash", "active", "revoked_at"])
    return key


def open311_client_create(
    *, name: str, contact_email: str = "", key: str | None = None
) -> tuple[Open311Client, str]:
    """Issue a key for a client. The key is returned once; only its hash is stored."""
    client = Open311Client(name=name, contact_email=contact_email)
    key = open311_client_assign_key(client=client, key=key, save=False)
    client.save()
    return client, key


def open311_client_revoke(*, client: Open311Client) -> Open311Client:
    client.active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["active", "revoked_at"])
    return client


def ensure_demo_client() -> Open311Client:
    """The documented demo key `civic-demo-open311` (seed_demo); idempotent."""
    existing = Open311Client.objects.filter(key_hash=_hash_key(DEMO_KEY)).first()
    if existing:
        return existing
    client, _key = open311_client_create(name="civic demo", key=DEMO_KEY)
    return client


def open311_client_authenticate(api_key: str | None) -> Open311Client:
    """Check the key and count the request against the client's per-minute limit.

    The counter lives in the shared cache; if the cache fails we refuse (fail closed)."""
    if not api_key:
        raise PermissionDeniedError(_("api_key is required."))
    client = Open311Client.objects.filter(key_hash=_hash_key(api_key), active=True).first()
    if client is None:
        raise PermissionDeniedError(_("Invalid or revoked api_key."))
    # The site's one fixed-window counter; a cache that is down (count None, or an error)
    # refuses here rather than letting a key past its limit: fail closed.
    try:
        count, _wait = count_in_window(f"open311:rate:{client.pk}", 60, if_down=None)
    except Exception as exc:
        raise RateLimitedError(_("Rate limiting is unavailable; try again later.")) from exc
    if count is None:
        raise RateLimitedError(_("Rate limiting is unavailable; try again later."))
    if count > client.requests_per_minute:
        raise RateLimitedError(_("Too many requests for this api_key; slow down."))
    return client


def attributes_for(category: Category) -> list[ServiceAttribute]:
    ids = []
    node = category
    while node is not None:
        ids.append(node.id)
        node = node.parent
    rows = ServiceAttribute.objects.filter(category_id__in=ids) | ServiceAttribute.objects.filter(
        category__isnull=True
    )
    by_code: dict[str, ServiceAttribute] = {}
    # The most specific definition of a code wins.
    depth = {cid: i for i, cid in enumerate(ids)}
    for attr in rows.order_by("order", "code"):
        current = by_code.get(attr.code)
        rank = depth.get(attr.category_id, len(ids))
        if current is None or rank < depth.get(current.category_id, len(ids)):
            by_code[attr.code] = attr
    return sorted(by_code.values(), key=lambda a: (a.order, a.code))


def _validate_attributes(category: Category, given: dict[str, list[str]]) -> dict:
    errors: list[str] = []
    cleaned: dict = {}
    for attr in attributes_for(category):
        values = [v for v in given.get(attr.code, []) if v != ""]
        if not values:
            if attr.required:
                errors.append(_("attribute[%(code)s] is required.") % {"code": attr.code})
            continue
        if attr.datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
            allowed = {str(v["key"]) for v in attr.values}
            bad = [v for v in values if v not in allowed]
            if bad:
                errors.append(_("attribute[%(code)s] has unknown values.") % {"code": attr.code})
            cleaned[attr.code] = values
            continue
        value = values[0]
        if attr.datatype == ServiceAttribute.Datatype.SINGLEVALUELIST:
            if value not in {str(v["key"]) for v in attr.values}:
                errors.append(_("attribute[%(code)s] has an unknown value.") % {"code": attr.code})
        elif attr.datatype == ServiceAttribute.Datatype.NUMBER:
            try:
                float(value)
            except ValueError:
                errors.append(_("attribute[%(code)s] must be a number.") % {"code": attr.code})
        elif len(value) > 500:
            errors.append(_("attribute[%(code)s] is too long.") % {"code": attr.code})
        cleaned[attr.code] = value
    if errors:
        raise DomainValidationError(" ".join(errors))
    return cleaned


@dataclass(frozen=True)
class Open311Created:
    request: Open311Request


def _locate(*, lat, lng, address_string: str, address_id: str) -> Region | None:
    if address_id:
        region = Region.objects.filter(code=address_id).first()
        if region is None:
            raise DomainValidationError(_("Unknown address_id."))
        return region
    if lat not in (None, "") or lng not in (None, ""):
        return None  # intake resolves the point (and validates it)
    if address_string:
        # The most specific region whose name appears in the address wins.
        for level in (
            Region.Level.COMMUNITY,
            Region.Level.VILLAGE,
            Region.Level.STREET,
            Region.Level.TOWNSHIP,
            Region.Level.DISTRICT,
        ):
            for region in Region.objects.filter(level=level).only(
                "id", "name", "path", "level", "parent_id", "code"
            ):
                if region.name and region.name in address_string:
                    return region
        city = Region.objects.filter(level=Region.Level.CITY).first()
        if city is not None:
            return city
    raise DomainValidationError(
        _("A location is required: lat and long, address_string or address_id.")
    )


def open311_request_create(
    *,
    client: Open311Client,
    category: Category,
    lat=None,
    lng=None,
    address_string: str = "",
    address_id: str = "",
    attributes: dict[str, list[str]] | None = None,
    email: str = "",
    device_id: str = "",
    account_id: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    description: str = "",
    media_url: str = "",
) -> Open311Created:
    """POST requests: a normal case (channel open311) through the same intake service."""
    if not category.residents_may_file:
        raise DomainValidationError(_("This service cannot be requested through Open311."))
    region = _locate(
        lat=lat, lng=lng, address_string=address_string.strip(), address_id=address_id.strip()
    )
    cleaned_attributes = _validate_attributes(category, attributes or {})
    if media_url and not media_url.startswith(("http://", "https://")):
        raise DomainValidationError(_("media_url must be an http(s) URL."))
    description = (description or "").strip()
    title = (description[:40] or category.name).splitlines()[0]
    name = (
        f"{last_name.strip()}{first_name.strip()}"
        if any("\u4e00" <= ch <= "\u9fff" for ch in last_name + first_name)
        else f"{first_name.strip()} {last_name.strip()}".strip()
    )
    with transaction.atomic():
        created = case_services.case_create(
            actor=None,
            channel=Channel.OPEN311,
            kind=Kind.COMPLAINT,
            category=category,
            title=title,
            description=description or category.full_name(),
            region=region,
            address=address_string[:300],
            lat=lat,
            lng=lng,
            reporter_name=name[:100],
            reporter_phone=phone,
            reporter_email=email,
            anonymous=not (name or phone or email),
        )
        request = Open311Request.objects.create(
            token=secrets.token_hex(16),
            case=created.case,
            client=client,
            device_id=device_id[:100],
            account_id=account_id[:100],
            media_url=media_url[:500],
            attributes=cleaned_attributes,
        )
    return Open311Created(request=request)


def seed_open311_demo(stdout=None) -> None:
    """seed_demo step: the demo key and two example service attributes."""
    ensure_demo_client()
    leaf = Category.objects.filter(level=3, name="冬季采暖").first()
    if leaf is not None:
        ServiceAttribute.objects.get_or_create(
            category=leaf,
            code="indoor_temperature",
            defaults={
                "datatype": ServiceAttribute.Datatype.NUMBER,
                "description": "室内温度（℃）",
                "description_en": "Indoor temperature (°C)",
                "order": 1,
            },
        )
    ServiceAttribute.objects.get_or_create(
        category=None,
        code="floor",
        defaults={
            "datatype": ServiceAttribute.Datatype.STRING,
            "description": "楼层",
            "description_en": "Floor",
            "order": 9,
        },
    )
    if stdout:
        stdout.write(f"open311: demo key {DEMO_KEY}")
