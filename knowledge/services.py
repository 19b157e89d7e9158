"""Every write of the knowledge base: one function per action, each writing an ArticleVersion.

Who may do what (knowledge.rules): a unit's editors (members with a handling role) draft and
edit their own unit's articles and submit them; the hotline centre (operators, dispatchers)
edits any, publishes, sends back and retires. Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cases.masking import scrub_text
from cases.models import Case, Channel, Outcome
from civic import calendar, clock, roles
from civic import text as T
from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from civic.models import Category, Region, Unit, User
from civic.notify.services import notify_users, unit_members

from . import rules, selectors
from .models import (
    CONTENT_FIELDS,
    Article,
    ArticleStatus,
    ArticleUse,
    ArticleVersion,
    OnSpotMonth,
)

Status = ArticleStatus
Action = ArticleVersion.Action

# Months the on-the-spot count task recounts each run (this one and the last, which still
# changes for a while: late imports, cases reopened); older months are counted once.
ON_SPOT_RECOUNT_MONTHS = 2

# Days before review_by on which the owners get their first reminder.
REVIEW_NOTICE_DAYS = 14

# status → {action: target}: the only transitions there are.
TRANSITIONS = {
    "submit": ({Status.DRAFT}, Status.IN_REVIEW),
    "publish": ({Status.IN_REVIEW}, Status.PUBLISHED),
    "send_back": ({Status.IN_REVIEW}, Status.DRAFT),
    "retire": ({Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED}, Status.RETIRED),
}


def _fail(field: str, message: str) -> DomainValidationError:
    return DomainValidationError(message, extra={"fields": {field: [message]}})


def _clean(data: dict) -> dict:
    """Validate editor input (the fields of CONTENT_FIELDS present in `data`)."""
    out = dict(data)
    for field, limit, required in (
        ("title", 300, True),
        ("answer", 10000, True),
        ("policy_document", 300, False),
        ("policy_article", 200, False),
        ("policy_url", 500, False),
        ("keywords", 500, False),
        ("synonyms", 500, False),
    ):
        if field not in out:
            continue
        value = (out[field] or "").replace("\x00", "").strip()
        if required and not value:
            raise _fail(field, _("This field is required."))
        if len(value) > limit:
            raise _fail(field, _("At most %(limit)s characters, please.") % {"limit": limit})
        out[field] = value
    if "category" in out and not isinstance(out["category"], Category):
        raise _fail("category", _("Choose a category."))
    if "unit" in out and not isinstance(out["unit"], Unit):
        raise _fail("unit", _("Choose the owning unit."))
    if "region" in out and out["region"] is not None and not isinstance(out["region"], Region):
        raise _fail("region", _("Choose a region."))
    start, end = out.get("effective_from"), out.get("effective_to")
    if start and end and end < start:
        raise _fail("effective_to", _("The end date comes before the start date."))
    return out


def search_tokens(article: Article) -> tuple[str, str]:
    """The jieba search-mode tokens of the title side and of the answer side."""
    head = " ".join([article.title, article.keywords, article.synonyms])
    body = " ".join([article.answer, article.policy_document, article.policy_article])
    return (
        " ".join(sorted(T.token_set(T.normalise(head)))),
        " ".join(sorted(T.token_set(T.normalise(body)))),
    )


def _snapshot(
    article: Article, *, action: str, actor: User | None, note: str, changed: Iterable[str]
) -> ArticleVersion:
    version = ArticleVersion(
        article=article,
        number=article.version,
        action=action,
        actor=actor,
        at=article.updated_at,
        note=(note or "")[:1000],
        changed_fields=list(changed),
        status=article.status,
    )
    for field in CONTENT_FIELDS:
        setattr(version, field, getattr(article, field))
    version.save(force_insert=True)
    return version


def _lock(article: Article | int) -> Article:
    pk = article.pk if isinstance(article, Article) else article
    return Article.objects.select_for_update().get(pk=pk)


def _check_version(article: Article, expected_version: int | None) -> None:
    # Optimistic concurrency: the form carries the version it showed; a newer one wins.
    if expected_version is not None and int(expected_version) != article.version:
        raise ConflictError(
            _("Someone else changed this article meanwhile (now version %(v)s). Reload it.")
            % {"v": article.version},
            extra={"version": article.version},
        )


def article_create(
    *,
    actor: User,
    unit: Unit,
    category: Category,
    title: str,
    answer: str,
    note: str = "",
    source_case: Case | None = None,
    **fields,
) -> Article:
    """A new draft. Raises PermissionDeniedError unless the actor edits for `unit`."""
    if not rules.can_edit_for_unit(actor, unit):
        raise PermissionDeniedError(_("You may draft articles only for your own unit."))
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise _fail(sorted(unknown)[0], _("Unknown field."))
    data = _clean({"unit": unit, "category": category, "title": title, "answer": answer, **fields})
    now = clock.now()
    article = Article(**data, status=Status.DRAFT, version=1, created_at=now, updated_at=now)
    article.source_case = source_case
    article.search_title, article.search_body = search_tokens(article)
    with transaction.atomic():
        article.save(force_insert=True)
        _snapshot(
            article,
            action=Action.CREATE,
            actor=actor,
            note=note,
            changed=[f for f in CONTENT_FIELDS if data.get(f) not in (None, "", False)],
        )
    return article


def article_update(
    *, actor: User, article: Article, note: str = "", expected_version: int | None = None, **fields
) -> Article:
    """Edit an article's content; a new version. A unit editor's edit of a published article
    takes it back to draft (the centre reviews it again); the centre's edits keep the status.
    Raises PermissionDeniedError, ConflictError (retired, in review, stale version)."""
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise _fail(sorted(unknown)[0], _("Unknown field."))
    data = _clean(fields)
    with transaction.atomic():
        article = _lock(article)
        if not rules.can_edit_article(actor, article):
            raise PermissionDeniedError(_("You may not edit this article."))
        if "unit" in data and not rules.can_edit_for_unit(actor, data["unit"]):
            raise _fail("unit", _("You may give articles only to your own unit."))
        _check_version(article, expected_version)
        centre = roles.is_centre_staff(actor)
        if article.status == Status.RETIRED:
            raise ConflictError(_("A retired article cannot be edited."))
        if article.status == Status.IN_REVIEW and not centre:
            raise ConflictError(_("The article is in review; wait for the centre's decision."))
        changed = [f for f in data if getattr(article, f) != data[f]]
        if not changed:
            raise _fail("title", _("Nothing was changed."))
        for field in changed:
            setattr(article, field, data[field])
        start, end = article.effective_from, article.effective_to
        if start and end and end < start:
            raise _fail("effective_to", _("The end date comes before the start date."))
        if article.status == Status.PUBLISHED and not centre:
            article.status = Status.DRAFT
            changed.append("status")
        article.version += 1
        article.updated_at = clock.now()
        article.search_title, article.search_body = search_tokens(article)
        article.save()
        _snapshot(article, action=Action.UPDATE, actor=actor, note=note, changed=changed)
    return article


def _transition(
    *, actor: User | None, article: Article, action: str, note: str, expected_version=None
) -> Article:
    sources, target = TRANSITIONS[action]
    with transaction.atomic():
        article = _lock(article)
        if actor is not None:
            allowed = (
                rules.can_submit_article(actor, article)
                if action == "submit"
                else rules.can_review_article(actor, article)
            )
            if not allowed:
                raise PermissionDeniedError(
                    _("Only the article's unit submits it; only the hotline centre reviews.")
                )
        _check_version(article, expected_version)
        if article.status not in sources:
            raise ConflictError(
                _("Not possible while the article is %(status)s.")
                % {"status": article.get_status_display()}
            )
        if (
            action == "publish"
            and article.effective_to
            and article.effective_to < calendar.local_date(clock.now())
        ):
            raise _fail("effective_to", _("This article's effective period is over."))
        article.status = target
        article.version += 1
        article.updated_at = clock.now()
        if action == "publish":
            article.reviewed_at = article.updated_at
        article.save()
        version_action = Action.EXPIRE if (action == "retire" and actor is None) else action
        _snapshot(article, action=version_action, actor=actor, note=note, changed=["status"])
    return article


def article_submit(*, actor: User, article: Article, note: str = "", expected_version=None):
    return _transition(
        actor=actor, article=article, action="submit", note=note, expected_version=expected_version
    )


def article_publish(*, actor: User, article: Article, note: str = "", expected_version=None):
    return _transition(
        actor=actor, article=article, action="publish", note=note, expected_version=expected_version
    )


def article_send_back(*, actor: User, article: Article, note: str, expected_version=None):
    """Back to the unit's draft; the note says what to change (required)."""
    if not (note or "").strip():
        raise _fail("note", _("Say what should change."))
    return _transition(
        actor=actor,
        article=article,
        action="send_back",
        note=note,
        expected_version=expected_version,
    )


def article_retire(
    *, actor: User | None, article: Article, note: str = "", expected_version=None
) -> Article:
    """Out of search for good (actor None: the expiry task)."""
    return _transition(
        actor=actor, article=article, action="retire", note=note, expected_version=expected_version
    )


WORKFLOW_ACTIONS = {
    "submit": article_submit,
    "publish": article_publish,
    "send_back": article_send_back,
    "retire": article_retire,
}


# --- answering on the spot -----------------------------------------------------------------


@dataclass(frozen=True)
class AnsweredCall:
    case: Case
    access_code: str
    articles: list[Article]


def answer_on_spot(*, actor: User, articles: list[Article], case_fields: dict) -> AnsweredCall:
    """Record the caller's case and close it as answered on the spot from `articles`, in one
    transaction; each article's use is counted. Raises DomainValidationError (no article, an
    article not in search, bad case fields) and PermissionDeniedError; writes nothing then."""
    from cases import services as cases_services

    from .selectors import article_is_searchable

    if not roles.is_centre_staff(actor):
        raise PermissionDeniedError(_("Only the hotline centre answers calls."))
    if not articles:
        raise _fail("articles", _("Tick the article(s) you answered from."))
    for article in articles:
        if not article_is_searchable(article):
            raise _fail(
                "articles",
                _("“%(title)s” is not a published, effective article.") % {"title": article.title},
            )
    cited = "；".join(f"《{a.title}》(#{a.pk})" for a in articles)
    note = _("Answered on the spot from the knowledge base: %(articles)s") % {"articles": cited}
    with transaction.atomic():
        created = cases_services.case_create(actor=actor, channel=Channel.HOTLINE, **case_fields)
        case = cases_services.case_close_without_dispatch(
            actor=actor, case=created.case, outcome=Outcome.ANSWERED_ON_SPOT, note=note[:2000]
        )
        now = clock.now()
        ArticleUse.objects.bulk_create(
            [ArticleUse(article=a, case=case, user=actor, at=now) for a in articles]
        )
    return AnsweredCall(case=case, access_code=created.access_code, articles=list(articles))


def article_draft_from_case(*, actor: User, case: Case) -> Article:
    """A draft from a replied or closed case: the question from the case, the answer from its
    last reply, category and unit from the case (the replying unit owns it)."""
    if not roles.is_centre_staff(actor):
        raise PermissionDeniedError(_("Only the hotline centre turns replies into articles."))
    reply = case.replies.select_related("unit").order_by("-created_at").first()
    if reply is None:
        raise _fail("case", _("This case has no reply to turn into an article."))
    category = case.category
    question = case.title if len(case.title) >= 8 else f"{case.title}：{case.description[:200]}"
    # An article may become public: the case's personal details (phone and ID numbers, plates,
    # door numbers) are scrubbed here, and the centre reads the draft before publishing it.
    return article_create(
        actor=actor,
        unit=reply.unit,
        category=category,
        title=scrub_text(question)[:300],
        answer=scrub_text(reply.text),
        note=_("Drafted from the reply to case %(number)s") % {"number": case.number},
        source_case=case,
    )


# --- review reminders and expiry (knowledge.tasks) ------------------------------------------


def _owners(article: Article) -> list[User]:
    return unit_members(article.unit)


def articles_remind_review(*, today: dt.date | None = None) -> int:
    """Tell the owning units of published articles whose review date is near (REVIEW_NOTICE_DAYS
    ahead) or past. One notification per article, date and kind (safe to run twice)."""
    today = today or calendar.local_date(clock.now())
    soon = today + dt.timedelta(days=REVIEW_NOTICE_DAYS)
    sent = 0
    due = Article.objects.filter(
        status=Status.PUBLISHED, review_by__isnull=False, review_by__lte=soon
    ).select_related("unit")
    for article in due:
        overdue = article.review_by < today
        kind = "knowledge_review_overdue" if overdue else "knowledge_review_soon"
        if overdue:
            title = _("Knowledge article overdue for review: %(title)s")
        else:
            title = _("Knowledge article due for review by %(date)s: %(title)s")
        with transaction.atomic():
            sent += len(
                notify_users(
                    users=_owners(article),
                    kind=kind,
                    title=title % {"title": article.title[:80], "date": article.review_by},
                    url=f"/knowledge/{article.pk}/",
                    dedupe_key=f"knowledge:{kind}:{article.pk}:{article.review_by}",
                )
            )
    return sent


def articles_retire_expired(*, today: dt.date | None = None) -> int:
    """Retire published articles whose effective period ended, telling their owners."""
    today = today or calendar.local_date(clock.now())
    retired = 0
    for pk in Article.objects.filter(status=Status.PUBLISHED, effective_to__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            article = _lock(pk)
            if article.status != Status.PUBLISHED:
                continue  # retired meanwhile: running twice is harmless
            article = article_retire(actor=None, article=article, note=_("Effective period ended."))
            notify_users(
                users=_owners(article),
                kind="knowledge_expired",
                title=_("Knowledge article retired, its effective period ended: %(title)s")
                % {"title": article.title[:80]},
                url=f"/knowledge/{article.pk}/",
                dedupe_key=f"knowledge:expired:{article.pk}",
            )
            retired += 1
    return retired


def on_spot_months_count(*, recount: int = ON_SPOT_RECOUNT_MONTHS, months: int = 12) -> int:
    """Count hotline cases and those answered on the spot into OnSpotMonth (the statistics
    page reads them): the last `recount` months again, and every month of the page's window
    (`months`) not counted yet. Idempotent: one upsert per month. Returns the months written."""
    this_month = selectors.today().replace(day=1)
    first = selectors.stats_window_start(months)
    window = selectors.month_starts(first, this_month)
    counted = set(OnSpotMonth.objects.filter(month__gte=first).values_list("month", flat=True))
    recount_from = selectors.stats_window_start(recount)
    wanted = [m for m in window if m >= recount_from or m not in counted]
    if not wanted:
        return 0
    counts = selectors.on_spot_counts(wanted[0])
    now = clock.now()
    with transaction.atomic():
        for month in wanted:
            hotline, on_spot = counts.get(month, (0, 0))
            OnSpotMonth.objects.update_or_create(
                month=month,
                defaults={"hotline": hotline, "on_spot": on_spot, "counted_at": now},
            )
    return len(wanted)
