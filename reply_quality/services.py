"""Writes and the checks themselves: check a reply (before or after it is sent), record the
checks of a sent reply and queue it for the centre's review, record a reviewer's verdict."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Reply
from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from civic.models import Unit, User

from . import rules, scoring, selectors
from .models import QualityReview, ReplyCheck

# Besides every flagged reply, this share of the others goes to the centre's queue, chosen by a
# hash of the reply's id: the same reply is always in or out (tests and re-runs agree), and the
# sample is spread evenly over units and months. Not a setting: a change would make months
# incomparable (docs/reply-quality.md).
SAMPLE_PERCENT = 10


def is_sampled(reply_id: int) -> bool:
    digest = hashlib.sha256(f"reply-quality-sample:{reply_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < SAMPLE_PERCENT


def warning_message(code: str, *, missing: list[str] | None = None) -> str:
    if code == "relevance":
        return _("The reply hardly mentions what the resident complained about.")
    if code == "completeness":
        names = {
            "done": _("what was done"),
            "when": _("when"),
            "who": _("by whom"),
            "next": _("what happens next"),
        }
        said = "、".join(str(names[m]) for m in (missing or []))
        return _("The reply does not say %(missing)s.") % {"missing": said}
    if code == "explanation":
        return _(
            "The reply says the matter cannot be resolved but names no policy basis "
            "(a law, regulation, rule or article)."
        )
    if code == "boilerplate":
        return _("The reply is nearly the same as one your unit sent to a different complaint.")
    raise ValueError(code)


@dataclass(frozen=True)
class ReplyChecks:
    """The four scores of a reply (0..1, higher is better) and a warning per weak score."""

    scores: scoring.Scores
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.warnings)

    @property
    def warning_codes(self) -> list[str]:
        return [w["code"] for w in self.warnings]

    def as_dict(self) -> dict:
        return {
            "scores": self.scores.as_dict(),
            "combined": self.scores.combined,
            "warnings": self.warnings,
            "flagged": self.flagged,
        }


def check_reply(
    case: Case,
    text: str,
    result: str,
    *,
    unit: Unit | None = None,
    exclude_reply_id: int | None = None,
) -> ReplyChecks:
    """Score a reply to `case` (a draft, or a sent reply with `exclude_reply_id`). Reads only.
    `unit`: the replying unit (the case's lead unit when not given), whose recent replies to
    other complaints the boilerplate check compares with. Raises DomainValidationError for an
    empty text or an unknown result."""
    text = (text or "").strip()
    if not text:
        msg = _("Write the reply first.")
        raise DomainValidationError(msg, extra={"fields": {"text": [msg]}})
    if result not in Reply.Result.values:
        msg = _("Choose the result.")
        raise DomainValidationError(msg, extra={"fields": {"result": [msg]}})
    others = selectors.replies_to_other_complaints(
        case=case, unit=unit or case.lead_unit, exclude_reply_id=exclude_reply_id
    )
    scores = scoring.score_reply(
        title=case.title,
        description=case.description,
        reply=text,
        explained=result == Reply.Result.EXPLAINED,
        other_replies=others,
    )
    missing = [k for k, present in scoring.completeness_elements(text).items() if not present]
    warnings = [
        {"code": code, "message": warning_message(code, missing=missing)}
        for code in scores.warnings()
    ]
    return ReplyChecks(scores=scores, warnings=warnings)


def reply_check_record(*, reply: Reply) -> ReplyCheck:
    """Check a sent reply and store the result; queue it for review when flagged or sampled.
    Idempotent: a reply already checked keeps its first check (what the unit was warned of)."""
    existing = ReplyCheck.objects.filter(reply=reply).first()
    if existing is not None:
        return existing
    checks = check_reply(
        reply.case, reply.text, reply.result, unit=reply.unit, exclude_reply_id=reply.pk
    )
    now = timezone.now()
    with transaction.atomic():
        check = ReplyCheck.objects.create(
            reply=reply,
            unit=reply.unit,
            replied_at=reply.created_at,
            checked_at=now,
            relevance=checks.scores.relevance,
            completeness=checks.scores.completeness,
            explanation=checks.scores.explanation,
            originality=checks.scores.originality,
            warnings=checks.warning_codes,
            flagged=checks.flagged,
        )
        if checks.flagged or is_sampled(reply.pk):
            QualityReview.objects.create(
                reply_check=check,
                reason=QualityReview.Reason.FLAGGED
                if checks.flagged
                else QualityReview.Reason.SAMPLE,
                queued_at=now,
            )
    return check


def quality_review_verdict(
    *, actor: User, review: QualityReview, verdict: str, note: str = ""
) -> QualityReview:
    """A centre reviewer's verdict on a queued reply (good / acceptable / poor, with a note).
    Recorded once, with who and when. Raises PermissionDeniedError (not centre staff),
    DomainValidationError (unknown verdict, note too long), ConflictError (already reviewed)."""
    if not rules.can_review_replies(actor):
        raise PermissionDeniedError(_("Only the hotline centre reviews replies."))
    if verdict not in QualityReview.Verdict.values:
        msg = _("Choose good, acceptable or poor.")
        raise DomainValidationError(msg, extra={"fields": {"verdict": [msg]}})
    note = (note or "").strip()
    if len(note) > 2000:
        msg = _("Keep the note under 2,000 characters.")
        raise DomainValidationError(msg, extra={"fields": {"note": [msg]}})
    if verdict == QualityReview.Verdict.POOR and not note:
        msg = _("Say what is poor about the reply.")
        raise DomainValidationError(msg, extra={"fields": {"note": [msg]}})
    with transaction.atomic():
        review = QualityReview.objects.select_for_update().get(pk=review.pk)
        if review.verdict:
            raise ConflictError(_("This reply has already been reviewed."))
        review.verdict = verdict
        review.note = note
        review.reviewed_by = actor
        review.reviewed_at = timezone.now()
        review.save(update_fields=["verdict", "note", "reviewed_by", "reviewed_at"])
    return review
