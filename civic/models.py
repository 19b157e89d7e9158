"""City structure: who is where. Region tree, units, memberships, users, categories, calendar.

Everything else (cases, assessment, council) points at these rows; nothing here imports an app.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using civic. Roles come from memberships in units (see civic.roles)."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Residents register with a home community; used for council visibility and proposals.
    home_region = models.ForeignKey(
        "civic.Region",
        verbose_name=_("home community"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Region(models.Model):
    """城市 → 区 → 街道/乡镇 → 社区/村 → 网格. `path` makes subtree queries one indexed LIKE."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        TOWNSHIP = "township", _("Township")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")
        GRID = "grid", _("Grid")

    DEPTH = {
        Level.CITY: 0,
        Level.DISTRICT: 1,
        Level.STREET: 2,
        Level.TOWNSHIP: 2,
        Level.COMMUNITY: 3,
        Level.VILLAGE: 3,
        Level.GRID: 4,
    }

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes, e.g. "/110000/110105/110105001/": subtree = path startswith.
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    center_lat = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    center_lng = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The path is derived data kept in step on every save; moving a region is rare
        # (an administrator's act) and re-paths the subtree in civic.services.region_move.
        prefix = self.parent.path if self.parent_id else "/"
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)

    def ancestor(self, *levels: str) -> "Region | None":
        node: Region | None = self
        while node is not None and node.level not in levels:
            node = node.parent
        return node

    @property
    def street(self) -> "Region | None":
        return self.ancestor(self.Level.STREET, self.Level.TOWNSHIP)

    @property
    def district(self) -> "Region | None":
        return self.ancestor(self.Level.DISTRICT)


class Category(models.Model):
    """The three-level category tree (一级/二级/三级分类) of complaints.

    `handling_level` says who handles a leaf: the street of the case's region (直派街乡), a
    department responsible for it, or a utility enterprise.
    """

    class HandlingLevel(models.TextChoices):
        STREET = "street", _("Street / township (direct dispatch)")
        DEPARTMENT = "department", _("Responsible department")
        ENTERPRISE = "enterprise", _("Utility enterprise")
        COMMUNITY = "community", _("Community")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    handling_level = models.CharField(
        _("handled by"),
        max_length=16,
        choices=HandlingLevel.choices,
        default=HandlingLevel.DEPARTMENT,
    )
    # Default urgency for new cases in this category (e.g. heating → utility).
    default_urgency = models.CharField(_("default urgency"), max_length=16, default="general")
    residents_may_file = models.BooleanField(_("residents may file"), default=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3), name="category_level_1_to_3"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        prefix = self.parent.path if self.parent_id else "/"
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def is_leaf(self) -> bool:
        return self.level == 3

    def full_name(self, sep: str = " / ") -> str:
        names = []
        node: Category | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return sep.join(reversed(names))


class Unit(models.Model):
    """承办单位: a street office, township, district government, department, utility or community."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("Hotline centre")
        STREET = "street", _("Street office")
        TOWNSHIP = "township", _("Township")
        DISTRICT = "district", _("District government")
        DEPARTMENT = "department", _("Department")
        ENTERPRISE = "enterprise", _("Enterprise / utility")
        COMMUNITY = "community", _("Community")

    class PeerGroup(models.TextChoices):
        STREETS = "streets", _("Streets and townships")
        DEPARTMENTS = "departments", _("Departments")
        ENTERPRISES = "enterprises", _("Enterprises")
        DISTRICTS = "districts", _("District governments")
        COMMUNITIES = "communities", _("Communities")
        NONE = "none", _("Not assessed")

    PEER_GROUP_OF_KIND = {
        Kind.STREET: PeerGroup.STREETS,
        Kind.TOWNSHIP: PeerGroup.STREETS,
        Kind.DEPARTMENT: PeerGroup.DEPARTMENTS,
        Kind.ENTERPRISE: PeerGroup.ENTERPRISES,
        Kind.DISTRICT: PeerGroup.DISTRICTS,
        Kind.COMMUNITY: PeerGroup.COMMUNITIES,
        Kind.CENTRE: PeerGroup.NONE,
    }

    class Utility(models.TextChoices):
        NONE = "", _("—")
        WATER = "water", _("Water")
        POWER = "power", _("Power")
        GAS = "gas", _("Gas")
        HEATING = "heating", _("Heating")
        TELECOM = "telecom", _("Telecom")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    peer_group = models.CharField(
        _("peer group"), max_length=16, choices=PeerGroup.choices, blank=True
    )
    # Streets, townships, districts and communities govern a region.
    jurisdiction = models.ForeignKey(
        Region,
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("supervising unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subunits",
        help_text=_("e.g. the district government of a street office"),
    )
    utility = models.CharField(
        _("utility"), max_length=16, choices=Utility.choices, blank=True, default=""
    )
    responsible_categories = models.ManyToManyField(
        Category,
        verbose_name=_("responsible categories"),
        blank=True,
        related_name="responsible_units",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "code"]
        indexes = [models.Index(fields=["kind", "active"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.peer_group:
            self.peer_group = self.PEER_GROUP_OF_KIND.get(self.kind, self.PeerGroup.NONE)
        super().save(*args, **kwargs)

    @property
    def is_street_level(self) -> bool:
        return self.kind in (self.Kind.STREET, self.Kind.TOWNSHIP)


class Membership(models.Model):
    """A user's role in a unit. Permissions derive from role + unit + region (civic.roles)."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Operator")
        DISPATCHER = "dispatcher", _("Dispatcher")
        HANDLER = "handler", _("Unit handler")
        STREET_OFFICIAL = "street_official", _("Street official")
        COMMUNITY_WORKER = "community_worker", _("Community worker")
        VIEWER = "viewer", _("Leader / viewer")
        # 网格员: patrols one or more grids (patrol.GridAssignment) and reports what they find.
        GRID_WORKER = "grid_worker", _("Grid worker")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="membership_unique_user_unit_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"


class CalendarDay(models.Model):
    """One day of the official working calendar (法定节假日 and 调休 working weekends).

    Seeded from `chinese-calendar` (2004–2026). Later years are first filled *provisionally*
    from the statutory holidays the `holidays` package computes from the lunar calendar
    (`provisional`, source "holidays"): without the State Council's swapped working days (调休).
    An administrator's entry, or a newer `chinese-calendar`, replaces them day by day; the
    warnings (civic.checks, the admin banner, the log) last while a year is provisional or
    missing. See docs/calendar.md.
    """

    class Kind(models.TextChoices):
        WORKDAY = "workday", _("Working day")
        WEEKEND = "weekend", _("Weekend")
        HOLIDAY = "holiday", _("Statutory holiday")
        ADJUSTED_WORKDAY = "adjusted_workday", _("Adjusted working day (调休)")

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Source(models.TextChoices):
        ADMIN = "admin", _("Entered by an administrator")
        PACKAGE = "chinese-calendar", _("State Council schedule (chinese-calendar)")
        COMPUTED = "holidays", _("Computed from the lunar calendar (provisional)")

    source = models.CharField(
        _("source"), max_length=40, choices=Source.choices, default=Source.ADMIN
    )
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_(
            "Computed from the statutory holidays, without the State Council's swapped working "
            "days (调休). Saving the day here makes it official."
        ),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Notification(models.Model):
    """An in-app message to one user, and the outbox for its email/SMS copies.

    Written in the same transaction as the change it reports (so it survives a broker outage);
    delivery tasks are enqueued after commit and re-driven by the sweep if the queue lost them.
    """

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not needed")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True, max_length=5000)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Makes "exactly once" hold across sweeps and retries: one row per (user, key).
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    email_state = models.CharField(
        _("email"), max_length=8, choices=Delivery.choices, default=Delivery.PENDING
    )
    sms_state = models.CharField(
        _("SMS"), max_length=8, choices=Delivery.choices, default=Delivery.SKIPPED
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["created_at"],
                name="notification_email_pending_idx",
                condition=Q(email_state="pending"),
            ),
        ]
        # On PostgreSQL the table is partitioned by month (civic.partitions): a unique index
        # there would have to include created_at, so "once per key" lives in NotificationKey.

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class NotificationKey(models.Model):
    """The deduplication keys already delivered, one row per (user, key), in a table that is not
    partitioned: a retried sweep next month still finds this month's key and sends nothing."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("notification key")
        verbose_name_plural = _("notification keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.dedupe_key}"
