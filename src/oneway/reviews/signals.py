"""Keep search documents current when a transcript arrives or an answer is submitted."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from oneway.core.models import Answer, Take
from oneway.media.models import MediaItem
from oneway.reviews.models import Review


def _refresh_later(invitation_id: int | None) -> None:
    if invitation_id is None:
        return
    from oneway.reviews.tasks import refresh_search_documents

    transaction.on_commit(lambda: refresh_search_documents([invitation_id]))


@receiver(post_save, sender=Answer, dispatch_uid="reviews-answer-search")
def answer_saved(sender: type[Answer], instance: Answer, **kwargs: Any) -> None:
    if not instance.is_practice and (instance.submitted_at or instance.text):
        _refresh_later(instance.invitation_id)


@receiver(post_save, sender=MediaItem, dispatch_uid="reviews-media-search")
def media_item_saved(sender: type[MediaItem], instance: MediaItem, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"transcript_text", "transcript_words"} & set(
        update_fields
    ):
        return
    if not instance.transcript_text:
        return
    invitation_id = (
        Take.objects.filter(media=instance, answer__is_practice=False)
        .values_list("answer__invitation_id", flat=True)
        .first()
    )
    _refresh_later(invitation_id)


@receiver(post_delete, sender=Review, dispatch_uid="reviews-review-summary")
def review_deleted(sender: type[Review], instance: Review, **kwargs: Any) -> None:
    if instance.submitted_at is not None:
        from oneway.reviews.summary import review_summaries_refresh

        invitation_id = instance.invitation_id
        transaction.on_commit(lambda: review_summaries_refresh([invitation_id]))
