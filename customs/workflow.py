"""The workflow of customs declarations, as data (hetao.workflow).

draft → filed → under_inspection → released | held | rejected; held → released | rejected;
cancelled by the declarant before release. Owners and filers of the declarant edit, file and
cancel; customs officers who are not members of the declarant inspect, release, hold and reject.
At filing the risk rules decide the regime and the lane; a declaration they refuse stays a draft.
"""

from django.utils.translation import gettext_lazy as _

from hetao.workflow import StateMachine, Transition

from .models import DeclarationStatus as D
from .permissions import can_decide, can_declare

EDIT = "edit"
FILE = "file"
INSPECT = "inspect"
RELEASE = "release"
HOLD = "hold"
REJECT = "reject"
CANCEL = "cancel"

DECLARATION = StateMachine(
    noun=_("a declaration"),
    states=D,
    transitions=[
        Transition(EDIT, {D.DRAFT}, None, label=_("edit"), allowed=can_declare, offered=False),
        Transition(FILE, {D.DRAFT}, D.FILED, label=_("file"), allowed=can_declare),
        Transition(INSPECT, {D.FILED}, D.UNDER_INSPECTION, label=_("inspect"), allowed=can_decide),
        Transition(RELEASE, {D.FILED, D.UNDER_INSPECTION, D.HELD}, D.RELEASED, label=_("release"), allowed=can_decide),
        Transition(HOLD, {D.FILED, D.UNDER_INSPECTION}, D.HELD, label=_("hold"), allowed=can_decide),
        Transition(REJECT, {D.FILED, D.UNDER_INSPECTION, D.HELD}, D.REJECTED, label=_("reject"), allowed=can_decide),
        Transition(
            CANCEL, {D.DRAFT, D.FILED, D.UNDER_INSPECTION, D.HELD}, D.CANCELLED, label=_("cancel"), allowed=can_declare
        ),
    ],
)

# Declarations waiting for an officer: the queue and the dashboard count the same ones.
WAITING = (D.FILED, D.UNDER_INSPECTION, D.HELD)
