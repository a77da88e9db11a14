"""Business operations of customs. Today: the checkpoints on the sub-lines, kept by zone staff."""

from django.db import transaction

from .models import Checkpoint


@transaction.atomic
def checkpoint_save(*, instance: Checkpoint, actor=None) -> Checkpoint:
    """Create or change a checkpoint, validated by its model."""
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def checkpoint_delete(*, instance: Checkpoint, actor=None) -> None:
    instance.delete()
