"""Cases (接诉即办): the work order and everything that happens to it.

Rows only: workflows live in cases/services.py, the state machine in cases/workflow.py.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic.fields import CodeField
from civic.models import Category, Region, Unit


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    SIGNED = "signed", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS)
# Statuses in which a unit still owes work (sign, contact, handle).
HANDLING_STATUSES = (Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS)


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline call")
    WEB = "web", _("Web")
    APP = "app", _("App")
    OPEN311 = "open311", _("Open311")
    WECHAT = "wechat", _("WeChat")
    ENTERPRISE_LINE = "enterprise_line", _("Enterprise line")
    PROACTIVE = "proactive", _("Proactive (未诉先办)")
    # 主动发现: a grid worker's patrol report (the patrol app).
    PATROL = "patrol", _("Found on patrol")


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    REQUEST_FOR_HELP = "request_for_help", _("Request for help")
    REPORT = "report", _("Report")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    UTILITY = "utility", _("Water, power, gas, heating")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


class Outcome(models.TextChoices):
    """How a case ended. The first group are the regulation's not-dispatched outcomes (Art. 10–11)."""

    NONE = "", _("—")
    ANSWERED_ON_SPOT = "answered_on_spot", _("Answered on the spot")
    TRANSFERRED_EMERGENCY = "transferred_emergency", _("Transferred to 110/119/120/122")
    OTHER_CHANNEL = "other_channel", _("Belongs to litigation, arbitration or petition channels")
    REPEAT_REQUEST = "repeat_request", _("Repeat request, told the progress of the existing case")
    SECRET_OR_PRIVACY = "secret_or_privacy", _("State secret, trade secret or privacy")
    OUTSIDE_REMIT = "outside_remit", _("Outside any unit's remit")
    UNLAWFUL = "unlawful", _("Unlawful or against public order, dissuaded")
    # Outcomes after handling.
    RESOLVED = "resolved", _("Closed after revisit")
    NOT_REACHED = "not_reached", _("Closed, resident not reached at revisit")
    REOPEN_LIMIT = "reopen_limit", _("Closed at the reopen limit, under supervision")


NOT_DISPATCHED_OUTCOMES = (
    Outcome.ANSWERED_ON_SPOT,
    Outcome.TRANSFERRED_EMERGENCY,
    Outcome.OTHER_CHANNEL,
    Outcome.REPEAT_REQUEST,
    Outcome.SECRET_OR_PRIVACY,
    Outcome.OUTSIDE_REMIT,
    Outcome.UNLAWFUL,
)


class TimeUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("clock hours")
    WORKING_DAYS = "working_days", _("working days")


class TimeLimitPolicy(models.Model):
    """Time limits for one urgency class (and optionally one category), from a date on.

    The regulation fixes no numbers (DESIGN §1a), so limits are data with an effective date:
    a case uses the policy in force when it was dispatched, so old cases keep their deadlines.
    """

    class AppliesTo(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency")
        UTILITY = "utility", _("Water, power, gas, heating")
        GENERAL = "general", _("General")
        COMPLEX = "complex", _("Complex")
        CONSULTATION = "consultation", _("Consultation")

    applies_to = models.CharField(_("applies to"), max_length=16, choices=AppliesTo.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category (optional override)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="time_limit_policies",
    )
    effective_from = models.DateField(_("effective from"))
    sign_limit = models.PositiveIntegerField(_("sign within"))
    sign_unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)
    contact_limit = models.PositiveIntegerField(_("contact the resident within"))
    contact_unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)
    handle_limit = models.PositiveIntegerField(_("handle and reply within"))
    handle_unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)
    return_window = models.PositiveIntegerField(_("return window"))
    return_unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)
    revisit_window_days = models.PositiveIntegerField(_("revisit window (working days)"), default=5)
    escalate_after_days = models.PositiveIntegerField(
        _("escalate after (working days past the handling deadline)"), default=3
    )
    warning_ratio = models.DecimalField(
        _("warn at fraction of the limit"), max_digits=3, decimal_places=2, default=0.75
    )
    reopen_limit = models.PositiveSmallIntegerField(_("reopen at most"), default=2)

    class Meta:
        verbose_name = _("time-limit policy")
        verbose_name_plural = _("time-limit policies")
        ordering = ["applies_to", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["applies_to", "category", "effective_from"],
                name="time_limit_policy_unique_version",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(warning_ratio__gt=0) & Q(warning_ratio__lt=1),
                name="time_limit_policy_warning_ratio_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_applies_to_display()} ({self.effective_from})"


class Case(models.Model):
    """A work order (工单). Personal data fields are masked for viewers without need (masking.py)."""

    # Unique through Meta.constraints: `unique=True` would add a second, LIKE-pattern index
    # that nothing uses, and every index is paid for on each insert (import, intake, sweep).
    number = CodeField(_("case number"), max_length=20)
    # The source system's id of an imported case (e.g. 留言编号): re-imports skip it.
    external_ref = CodeField(_("external reference"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.GENERAL
    )
    # Indexed by (category, received_at) below. A plain FK index too made PostgreSQL read every
    # case of a category of all time when merging looks for duplicates (41 against 6 ms at 10M).
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )

    # Reporter: personal data (Art. 8, 28, 35).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        db_index=False,
    )
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=32, blank=True)
    # Keyed hash (HMAC) of the normalised phone number (privacy.phone_key): a caller's earlier
    # cases are found through an index on it, never by scanning phone numbers.
    reporter_phone_key = models.CharField(
        _("reporter phone key"), max_length=64, blank=True, default="", editable=False
    )
    reporter_email = models.EmailField(_("reporter email"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # HMAC of the access code: the code itself is shown once, at intake.
    access_code_hash = models.CharField(_("access code hash"), max_length=128, editable=False)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=Outcome.choices, blank=True, default=""
    )
    # 首接负责: who accepted the case; stays on record until it is closed.
    first_receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first receiver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="received_cases",
        db_index=False,
    )
    first_receiver_unit = models.ForeignKey(
        Unit,
        verbose_name=_("first receiving unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="first_received_cases",
        db_index=False,
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
        db_index=False,
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
        db_index=False,
    )
    # 并案: a case merged into another follows it (status, unit, deadlines, reply); its reporter
    # still gets the reply and is revisited on their own (the merging app).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        db_index=False,
    )
    policy = models.ForeignKey(
        TimeLimitPolicy,
        verbose_name=_("time-limit policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )

    # Deadlines, computed at dispatch (and moved by approved extensions).
    sign_due_at = models.DateTimeField(_("sign due"), null=True, blank=True)
    contact_due_at = models.DateTimeField(_("contact due"), null=True, blank=True)
    handle_due_at = models.DateTimeField(_("handling due"), null=True, blank=True)
    return_window_ends_at = models.DateTimeField(_("return window ends"), null=True, blank=True)
    revisit_due_at = models.DateTimeField(_("revisit due"), null=True, blank=True)

    # Timestamps.
    received_at = models.DateTimeField(_("received at"), db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("resident contacted at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    is_overdue = models.BooleanField(_("overdue"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions approved"), default=0)

    assessable = models.BooleanField(_("assessable"), default=True)
    not_assessable_reason = models.CharField(_("reason not assessable"), max_length=300, blank=True)
    # Bumped by every service write: optimistic locking for editable fields.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        # Each index costs every insert; the plain FK indexes that a composite one already
        # covers are dropped, and optional links are indexed only where set (PostgreSQL proves
        # `col = x` implies `col IS NOT NULL`, so lookups and FK checks still use them).
        indexes = [
            models.Index(fields=["status", "received_at"]),
            # A unit's cases by status and deadline. Cases not yet dispatched (every new and
            # every imported case) have no lead unit and are left out of it.
            models.Index(
                fields=["lead_unit", "status", "handle_due_at"],
                name="case_lead_unit_status_due_idx",
                condition=Q(lead_unit__isnull=False),
            ),
            models.Index(
                fields=["reporter", "received_at"],
                name="case_reporter_received_idx",
                condition=Q(reporter__isnull=False),
            ),
            models.Index(fields=["region", "category"]),
            # Only imported cases carry a reference: cases filed here skip this index.
            models.Index(
                fields=["external_ref"],
                name="case_external_ref_idx",
                condition=~Q(external_ref=""),
            ),
            models.Index(
                fields=["first_receiver"],
                name="case_first_receiver_idx",
                condition=Q(first_receiver__isnull=False),
            ),
            models.Index(
                fields=["first_receiver_unit"],
                name="case_first_receiver_unit_idx",
                condition=Q(first_receiver_unit__isnull=False),
            ),
            models.Index(
                fields=["duplicate_of"],
                name="case_duplicate_of_idx",
                condition=Q(duplicate_of__isnull=False),
            ),
            models.Index(
                fields=["policy"], name="case_policy_idx", condition=Q(policy__isnull=False)
            ),
            # Caller history (来电弹屏): a caller's cases, newest first, by the phone's keyed hash.
            models.Index(
                fields=["reporter_phone_key", "received_at"],
                name="case_phone_key_received_idx",
                condition=~Q(reporter_phone_key=""),
            ),
            models.Index(
                fields=["merged_into"],
                name="case_merged_into_idx",
                condition=Q(merged_into__isnull=False),
            ),
            # The deadline sweep reads only open cases by due time (DESIGN §6a).
            models.Index(
                fields=["handle_due_at"],
                name="case_open_handle_due_idx",
                condition=Q(status__in=["dispatched", "signed", "in_progress"]),
            ),
            models.Index(
                fields=["sign_due_at"],
                name="case_unsigned_sign_due_idx",
                condition=Q(status="dispatched"),
            ),
            models.Index(
                fields=["contact_due_at"],
                name="case_uncontacted_due_idx",
                condition=Q(status__in=["dispatched", "signed"]),
            ),
            models.Index(
                fields=["revisit_due_at"],
                name="case_replied_revisit_due_idx",
                condition=Q(status="replied"),
            ),
            # The dispatchers' overdue queue: open cases flagged overdue (few; the past-due
            # ones follow case_open_handle_due_idx). selectors.queue_overdue_count.
            models.Index(
                fields=["handle_due_at"],
                name="case_open_overdue_idx",
                condition=Q(is_overdue=True, status__in=["dispatched", "signed", "in_progress"]),
            ),
            # Open311's requests of a service (service_code), newest first, in the 90-day window.
            models.Index(fields=["category", "received_at"], name="case_category_received_idx"),
            # An area's cases by time: patrol statistics per community and month, the map's
            # newest cases of the communities in view (channel read from the index).
            models.Index(
                fields=["region", "received_at"],
                name="case_region_received_idx",
                include=["channel"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
            # A dispatched case always has an owner (首接负责: a return never drops it).
            models.CheckConstraint(
                condition=Q(status="received") | Q(status="closed") | Q(lead_unit__isnull=False),
                name="case_open_after_dispatch_has_lead_unit",
            ),
            models.CheckConstraint(
                condition=Q(assessable=True) | ~Q(not_assessable_reason=""),
                name="case_exemption_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class CaseAttachment(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class Assignment(models.Model):
    """One unit's part in a case: the lead (主办), a co-unit (协办) or a copy to the district."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        CO = "co", _("Co-unit")
        COPY = "copy", _("Copied (district government)")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETURNED = "returned", _("Returned")
        REPLACED = "replaced", _("Replaced")
        DONE = "done", _("Done")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="assignments",
        db_index=False,  # the (unit, state, role) index below leads with it
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    # Co-units report their result back to the lead (Art. 14).
    result_note = models.TextField(_("result reported to the lead"), blank=True, max_length=5000)
    result_at = models.DateTimeField(_("result reported at"), null=True, blank=True)
    # The case's received time, copied when the assignment is made (it never changes): a
    # unit's case list, newest first, reads its page from the index below instead of walking
    # every case newest first until enough are the unit's (1,700 cases for a street at 1M).
    case_received_at = models.DateTimeField(_("case received at"), editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["dispatched_at", "id"]
        # Covering (case included): a unit's case count and its inbox read the index alone.
        indexes = [
            models.Index(
                fields=["unit", "state", "role"], include=["case"], name="assignment_unit_state_idx"
            ),
            models.Index(
                "unit",
                models.F("case_received_at").desc(),
                models.F("case").desc(),
                name="assignment_unit_newest_idx",
                condition=Q(state__in=["active", "done"]),
            ),
            # A unit's cases led in a month (its page on the boards), by dispatch time.
            models.Index(
                fields=["unit", "dispatched_at"],
                include=["case"],
                name="assignment_unit_led_idx",
                condition=Q(role="lead", state__in=["active", "done"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(role="lead", state="active"),
                name="assignment_one_active_lead_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} → {self.unit} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        if self.case_received_at is None:
            self.case_received_at = self.case.received_at
        super().save(*args, **kwargs)


# No event of a case is older than the case (the importer's latest accepted receipt is five
# minutes ahead of its events); a day of margin for clocks that disagree.
EVENTS_BEFORE_RECEIPT = dt.timedelta(days=1)


class CaseEventQuerySet(models.QuerySet):
    def of_case(self, case: Case) -> "CaseEventQuerySet":
        """A case's trail, bounded below by its receipt: on PostgreSQL the monthly partitions
        before the case's month are skipped when the query starts (civic.partitions), so a
        recent case reads a few months' indexes, not every month's."""
        return self.filter(case=case, at__gte=case.received_at - EVENTS_BEFORE_RECEIPT)

    def update(self, **kwargs):
        raise PermissionError("Case events are immutable.")

    def delete(self):
        raise PermissionError("Case events are immutable.")


# What each event says in a case's history (pages, the API's `action_label`): the action codes
# are the audit trail's and the API's vocabulary, never shown as such to a person.
EVENT_LABELS = {
    "create": _("Case received"),
    "import": _("Imported from an earlier system"),
    "dispatch": _("Dispatched"),
    "redispatch": _("Re-dispatched"),
    "sign": _("Signed for by the unit"),
    "contact": _("The unit contacted the reporter"),
    "reply": _("The unit replied"),
    "close": _("Closed"),
    "close_without_dispatch": _("Settled at intake"),
    "add_co_unit": _("Co-unit added"),
    "co_unit_report": _("A co-unit reported its part"),
    "request_extension": _("Extension requested"),
    "extension_approved": _("Extension approved"),
    "extension_denied": _("Extension refused"),
    "request_return": _("Return requested by the unit"),
    "return_accepted": _("Return accepted"),
    "return_rejected": _("Return refused"),
    "revisit": _("Revisit answered"),
    "revisit_expire": _("Revisit unanswered in time"),
    "reopen": _("Reopened"),
    "set_assessable": _("Assessment setting changed"),
    "note": _("Note"),
    "escalated": _("Escalated for supervision"),
    "moderate": _("Public text moderated"),
    "whistle_blown": _("Whistle blown"),
    "whistle_closed": _("Whistle closed"),
    "resident_whistle_requested": _("Resident asked for a whistle"),
    # 并案 (the merging app)
    "merge": _("Cases merged"),
    "unmerge": _("Merge undone"),
    "merge_follow": _("Followed the case it is merged into"),
}
# Deadline events say which deadline (sign, contact, handle) they are about.
DEADLINE_EVENT_LABELS = {
    ("overdue", "sign"): _("Not signed for in time"),
    ("overdue", "contact"): _("Reporter not contacted in time"),
    ("overdue", "handle"): _("Not handled in time"),
    ("deadline_warning", "sign"): _("Signing deadline approaching"),
    ("deadline_warning", "contact"): _("Contact deadline approaching"),
    ("deadline_warning", "handle"): _("Handling deadline approaching"),
}


class CaseEvent(models.Model):
    """The immutable audit trail: one row per state change or notable act, never edited.

    Written explicitly by every service in the same transaction (signal-based history would
    miss `.update()` paths, DESIGN §6a). On PostgreSQL a trigger also refuses UPDATE/DELETE.
    """

    # Indexed by (case, at) below; the plain FK index would be a redundant copy.
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_unit = models.ForeignKey(
        Unit,
        verbose_name=_("actor's unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=5000)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"]),
            # System events (sweep, import) have no actor: index only the rows that have one.
            models.Index(
                fields=["actor"], name="caseevent_actor_idx", condition=Q(actor__isnull=False)
            ),
            models.Index(
                fields=["actor_unit"],
                name="caseevent_actor_unit_idx",
                condition=Q(actor_unit__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Case events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Case events are immutable.")

    @property
    def label(self) -> str:
        """The event as a person reads it (an unknown action: a neutral word, not the code)."""
        deadline = (self.data or {}).get("deadline") if isinstance(self.data, dict) else None
        label = DEADLINE_EVENT_LABELS.get((self.action, deadline)) or EVENT_LABELS.get(self.action)
        return str(label) if label is not None else str(_("Update"))

    @property
    def to_status_label(self) -> str:
        return str(Status(self.to_status).label) if self.to_status in Status.values else ""


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ReturnRequest(models.Model):
    """退单 / 派单异议: a unit disputes competence; the case keeps its owner meanwhile."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="return_requests"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"), max_length=2000)
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name=_("suggested unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)
    new_unit = models.ForeignKey(
        Unit,
        verbose_name=_("re-dispatched to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="return_one_pending_per_case"
            )
        ]


class ExtensionRequest(models.Model):
    """延期: moves the handling deadline only when a dispatcher approves it."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"), max_length=2000)
    extra_working_days = models.PositiveSmallIntegerField(_("extra working days"))
    resident_informed = models.BooleanField(_("reason told to the resident"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)
    old_due_at = models.DateTimeField(_("previous deadline"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("new deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="extension_one_pending_per_case",
            ),
            models.CheckConstraint(
                condition=Q(extra_working_days__gte=1) & Q(extra_working_days__lte=60),
                name="extension_days_1_to_60",
            ),
        ]


class Reply(models.Model):
    """办结答复: the unit's answer to the resident."""

    class Result(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        PARTLY = "partly", _("Partly resolved")
        EXPLAINED = "explained", _("Explained, cannot be resolved")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="replies"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    text = models.TextField(_("reply"), max_length=5000)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at"]


class Revisit(models.Model):
    """回访: the resident is asked 响应 / 解决 / 满意; silence counts as not reached."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ANSWERED = "answered", _("Answered")
        NOT_REACHED = "not_reached", _("Not reached")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        SMS = "sms", _("SMS")
        ONLINE = "online", _("Online")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="revisits"
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit assessed"), on_delete=models.PROTECT, related_name="revisits"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    due_at = models.DateTimeField(_("due at"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, blank=True)
    contacted = models.BooleanField(_("unit contacted the resident"), null=True)
    resolved = models.BooleanField(_("resolved"), null=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=14, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="revisit_unique_round"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="revisit_one_pending_per_case"
            ),
        ]


class SupervisionOrder(models.Model):
    """督办: opened for the dispatcher when a case runs late or hits the reopen limit."""

    class Reason(models.TextChoices):
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated to the district")
        REOPEN_LIMIT = "reopen_limit", _("Reopen limit reached")
        WHISTLE_MISSED = "whistle_missed", _("Whistle report missed")

    # No index of its own: the unique key below leads with the case (one write less per order).
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="supervision_orders",
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    # Which deadline it is about ("handle", "sign", …) so each is opened once.
    deadline = models.CharField(_("deadline"), max_length=16, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reason", "deadline", "unit"], name="supervision_once"
            )
        ]


class CaseNumberSequence(models.Model):
    """Per-day counter for human case numbers: YYYYMMDD + 5 digits, unique under concurrency."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")


# --- personal data (个人信息): who saw a reporter's full contact data ---


class PersonalDataAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Personal-data access records are immutable.")

    def delete(self):
        raise PermissionError("Personal-data access records are immutable.")


class PersonalDataAccess(models.Model):
    """One row each time someone other than the reporter is shown the unmasked contact data.

    Written by `cases.privacy.reveal_personal_data` where the full values are rendered (staff
    case pages, API case detail and actions); lists never carry full values, so they write
    nothing. Append-only like the case audit trail.
    """

    class Surface(models.TextChoices):
        WEB_CENTRE = "web_centre", _("Centre case page")
        WEB_UNIT = "web_unit", _("Unit case page")
        API = "api", _("REST API")
        CALLER_HISTORY = "caller_history", _("Caller history lookup")

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    surface = models.CharField(_("surface"), max_length=16, choices=Surface.choices)
    path = models.CharField(_("path"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → case {self.case_id} ({self.surface})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Personal-data access records are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Personal-data access records are immutable.")


class ReplyTemplate(models.Model):
    """答复模板: a unit's standard answer per category, with placeholders, edited before sending.

    Placeholders: {number} {title} {category} {unit} {date} {resident}."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"), max_length=5000)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply_templates",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply_templates",
        help_text=_("Empty: every unit."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class DeadlineEffect(models.Model):
    """One effect of the deadline sweep (warning, overdue, escalated) for one deadline of one
    case; the unique key makes every effect happen once however often the sweep runs."""

    # No index of its own: the unique key below leads with the case (one write less per claim).
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="deadline_effects",
        db_index=False,
    )
    deadline = models.CharField(_("deadline"), max_length=16)
    effect = models.CharField(_("effect"), max_length=16)
    due_at = models.DateTimeField(_("due at"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("deadline effect")
        verbose_name_plural = _("deadline effects")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "deadline", "effect", "due_at"], name="deadline_effect_once"
            )
        ]


class IntakeKey(models.Model):
    """An Idempotency-Key seen on API intake: a retried POST by the same client returns the
    same case. A key belongs to the client that sent it (`scope`): another client's identical
    key is another request, never answered with this case (issue 31)."""

    # "user:<id>", or "addr:<HMAC of the client address>" for a caller without an account
    # (no address is stored in clear); keys stored before scopes have "legacy", which no
    # client's scope ever equals.
    scope = models.CharField(_("client"), max_length=80)
    key = models.CharField(_("key"), max_length=100)
    # SHA-256 of the validated request: the same key with another request is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("intake idempotency key")
        verbose_name_plural = _("intake idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="intake_key_once_per_client")
        ]
