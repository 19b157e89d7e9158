"""Forget the cached boards (assessment.selectors.rendered_boards_key) when what they show
changes: a unit (its name), a policy (min cases, the half credit), a run or a score, whether
saved by a service or edited in the admin.

Forgotten at once, and again when the transaction commits: a page rendered between the two
from the old rows would otherwise be cached under the new generation."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .selectors import forget_rendered_boards


@receiver(post_save, sender="civic.Unit")
@receiver(post_delete, sender="civic.Unit")
@receiver(post_save, sender="assessment.AssessmentPolicy")
@receiver(post_delete, sender="assessment.AssessmentPolicy")
@receiver(post_save, sender="assessment.AssessmentRun")
@receiver(post_delete, sender="assessment.AssessmentRun")
@receiver(post_save, sender="assessment.UnitScore")
@receiver(post_delete, sender="assessment.UnitScore")
def _boards_changed(sender, **kwargs) -> None:
    forget_rendered_boards()
    transaction.on_commit(forget_rendered_boards)
