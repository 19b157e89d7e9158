"""Residents' council (议事厅): meetings, the five parties, agenda, deliberation, votes, 一书三单.

Writes go through council.services; visibility through council.selectors; the status flow is
data in council.workflow.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Party(models.TextChoices):
    """五方: the five parties of community deliberation."""

    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    RESIDENTS = "residents", _("Owners / residents")
    PROPERTY_COMPANY = "property_company", _("Property company")
    LOCAL_UNITS = "local_units", _("Local units")


class VotingRule(models.Model):
    """How a resolution's outcome is computed. One row per community, or the default (no community).

    Without any row, the built-in default applies: quorum when at least half of the invited
    participants attend; passed when votes for exceed half of those attending (abstentions
    count as attending, not as for).
    """

    community = models.OneToOneField(
        "civic.Region",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="voting_rule",
        help_text=_("Leave empty for the city-wide default."),
    )
    quorum_fraction = models.DecimalField(
        _("quorum (fraction of invited attending)"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    pass_fraction = models.DecimalField(
        _("votes for must exceed this fraction of attending"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = _("voting rule")
        verbose_name_plural = _("voting rules")

    def __str__(self) -> str:
        where = self.community or _("default")
        return f"{where}: {self.quorum_fraction} / {self.pass_fraction}"


class Meeting(models.Model):
    class Format(models.TextChoices):
        COURTYARD = "courtyard", _("Courtyard council (小院议事厅)")
        BUILDING = "building", _("Building-door council (楼门议事)")
        ONLINE = "online", pgettext_lazy("council", "Online")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        MINUTED = "minuted", _("Minuted")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", pgettext_lazy("council", "Closed")

    community = models.ForeignKey(
        "civic.Region",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="council_meetings",
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("convener"),
        on_delete=models.PROTECT,
        related_name="convened_meetings",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    # 一书: the notice to the community, published before the meeting.
    notice = models.TextField(_("notice (一书)"), blank=True)
    notice_published_at = models.DateTimeField(_("notice published at"), null=True, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    minuted_at = models.DateTimeField(_("minuted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("council", "closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.CLOSED)


class Participant(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    party = models.CharField(_("party"), max_length=24, choices=Party.choices)
    name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="council_participations",
    )
    attended = models.BooleanField(_("attended"), default=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["party", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "party", "name"], name="council_participant_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_party_display()})"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], name="council_agenda_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Deliberation(models.Model):
    """One speaker's position on an agenda item, in summary (who said what)."""

    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="deliberations",
    )
    party = models.CharField(_("speaker's party"), max_length=24, choices=Party.choices)
    speaker = models.CharField(_("speaker"), max_length=100, blank=True)
    summary = models.TextField(_("summary of position"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deliberation")
        verbose_name_plural = _("deliberations")
        ordering = ["agenda_item", "id"]

    def __str__(self) -> str:
        return f"{self.speaker or self.get_party_display()}: {self.summary[:40]}"


class Resolution(models.Model):
    """A motion put to the vote, with counts (not per-person ballots; see docs/council.md).

    `attending`, `invited` and the rule's fractions are snapshots taken at the vote, so the
    outcome stays reproducible when the attendance list or the rule changes later.
    """

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        REJECTED = "rejected", _("Not passed")
        NO_QUORUM = "no_quorum", _("No quorum")

    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="resolutions",
    )
    text = models.TextField(_("motion"))
    votes_for = models.PositiveIntegerField(_("for"))
    votes_against = models.PositiveIntegerField(_("against"))
    votes_abstain = models.PositiveIntegerField(_("abstain"))
    invited = models.PositiveIntegerField(_("invited"))
    attending = models.PositiveIntegerField(_("attending"))
    quorum_fraction = models.DecimalField(_("quorum fraction"), max_digits=4, decimal_places=3)
    pass_fraction = models.DecimalField(_("pass fraction"), max_digits=4, decimal_places=3)
    outcome = models.CharField(
        pgettext_lazy("vote", "outcome"), max_length=16, choices=Outcome.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["agenda_item", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    attending__gte=models.F("votes_for")
                    + models.F("votes_against")
                    + models.F("votes_abstain")
                ),
                name="council_resolution_votes_within_attending",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ListItem(models.Model):
    """三单: an entry of the needs, resources or projects list coming out of a meeting."""

    class Kind(models.TextChoices):
        NEED = "need", _("Need (需求清单)")
        RESOURCE = "resource", _("Resource (资源清单)")
        PROJECT = "project", _("Project (项目清单)")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="list_items"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_items",
    )
    kind = models.CharField(_("list"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    party = models.CharField(
        _("responsible party"), max_length=24, choices=Party.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        ordering = ["meeting", "kind", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectLink(models.Model):
    """A project's link to the case or proactive task that carries it out.

    Kept as the case number on purpose: cases.Case is built on another branch. After the merge
    the lead may add a nullable FK to cases.Case beside `case_number`; until then the progress
    comes from council.hooks.linked_case_status(), which looks the number up when cases exists.
    """

    project = models.ForeignKey(
        ListItem,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="links",
        limit_choices_to={"kind": ListItem.Kind.PROJECT},
    )
    case_number = models.CharField(_("case or task number"), max_length=32)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project link")
        verbose_name_plural = _("project links")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "case_number"], name="council_project_link_unique"
            )
        ]

    def __str__(self) -> str:
        return self.case_number


class MinutesVersion(models.Model):
    """Each saved text of the minutes. The newest is current; once the meeting is published,
    the newest is what residents read and earlier ones stay listed (edits are versioned)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="minutes"
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(pgettext_lazy("council", "minutes"))
    reason = models.CharField(_("reason for change"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    after_publication = models.BooleanField(_("edited after publication"), default=False)

    class Meta:
        verbose_name = _("minutes version")
        verbose_name_plural = _("minutes versions")
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"], name="council_minutes_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.number}"


class Proposal(models.Model):
    """A topic a resident proposes for their community's council."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted onto an agenda")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(
        "civic.Region",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="council_proposals",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="council_proposals",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    agenda_item = models.OneToOneField(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal",
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="council_declined_proposal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingEvent(models.Model):
    """Immutable audit trail of every council write (who, what, when, details)."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("MeetingEvent rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("MeetingEvent rows are immutable")
