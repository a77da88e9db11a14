"""Customs' demo passage checks (`manage.py seed_demo`): the customs officer checks a few of the
demo's registered persons at the No. 1 Channel, so the passage check page and the dashboard show
a day's work. Recorded once: checks are append-only, and a second run adds none."""

from zone.demo_people import PERSONS

from .models import Checkpoint, PassageCheck
from .services import passage_check

OFFICER = "customs"
CHECKPOINT = "HT-NO1"
# The first researchers of the demo (a designated carrier among them, and the one waiting for
# review), and a passport nobody registered.
CHECKED = [*PERSONS[:5], None]
UNREGISTERED_PASSPORT = "X00000001"


def seed_passage_checks(context) -> None:
    """Check a few demo persons once, when no check has been recorded yet."""
    if PassageCheck.objects.exists():
        return
    officer = context.users.get(OFFICER)
    checkpoint = Checkpoint.objects.filter(code=CHECKPOINT, active=True).first()
    if officer is None or checkpoint is None:
        return
    for spec in CHECKED:
        document_type, number = (
            ("passport", UNREGISTERED_PASSPORT)
            if spec is None
            else (
                spec.document_type,
                spec.document_number,
            )
        )
        passage_check(checkpoint=checkpoint, document_type=document_type, document_number=number, actor=officer)
        context.count(PassageCheck._meta.verbose_name_plural, True, True)
