"""Read-only queries of customs that pages and the API share."""

from hetao.models import User

from .models import Declaration, DeclarationStatus


def declaration_history(declaration: Declaration) -> list[dict]:
    """The declaration's steps from its audit trail: each change of state, when, by whom (when the
    change was made in a request), with the note or findings it wrote; oldest first."""
    events = (
        Declaration.pgh_event_model.objects.filter(pgh_obj_id=declaration.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
        .only("pgh_created_at", "pgh_context__metadata", "status", "decision_note", "findings")
    )
    labels = dict(DeclarationStatus.choices)
    steps, previous = [], None
    for event in events:
        if event.status == previous:
            continue
        previous = event.status
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        steps.append(
            {
                "at": event.pgh_created_at,
                "status": event.status,
                "label": labels.get(event.status, event.status),
                "user_id": metadata.get("user"),
                "note": event.findings if event.status == DeclarationStatus.UNDER_INSPECTION else event.decision_note,
            }
        )
    names = dict(
        User.objects.filter(pk__in={step["user_id"] for step in steps if step["user_id"]}).values_list("pk", "username")
    )
    for step in steps:
        step["actor"] = names.get(step.pop("user_id"), "")
    return steps
