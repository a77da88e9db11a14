"""Staff pages of registered persons: the list (waiting for a decision by default) with its export,
and a person's page with the decisions the workflow offers.

Reviewers decide through the same services as the API; a stale page (the registration has moved
on) gets a message and the current state, never a 500. The document number is shown masked, and
the export carries the masked form only.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from hetao.exports import EXPORT_FORMATS, export_response
from hetao.pages import form_step, page_of, staff_permission
from hetao.principal import principal_for

from .. import services
from ..forms.people import (
    PersonApproveForm,
    PersonReinstateForm,
    PersonRejectForm,
    PersonSuspendForm,
    StaffPersonFilterSet,
)
from ..models import PersonStatus, RegisteredPerson
from ..permissions import PERSON_REVIEW_PERMISSION, can_decide_person
from ..workflow import PERSON, PERSON_APPROVE, PERSON_REINSTATE, PERSON_REJECT, PERSON_SUSPEND

VIEW_PERMISSION = "zone.view_registeredperson"
# An export is a download of the filtered list, not a database dump.
EXPORT_LIMIT = 100_000


def _filterset(request) -> StaffPersonFilterSet:
    persons = services.with_personnel_entry(
        RegisteredPerson.objects.visible_to(principal_for(request))
        .select_related("institution")
        .exclude(status=PersonStatus.DRAFT)
        .order_by("submitted_at", "pk")
    )
    return StaffPersonFilterSet(request.GET, queryset=persons)


def _mark_passage(persons) -> None:
    today = timezone.localdate()
    for person in persons:
        person.valid_today, reason = services.passage_status(
            person, day=today, institution_admits=person.institution_admits_personnel
        )
        person.not_valid_text = services.not_valid_reason_text(reason) if reason else ""


@staff_permission(VIEW_PERMISSION)
@require_GET
def person_queue(request):
    filterset = _filterset(request)
    page_obj, page_range = page_of(request, filterset.qs)
    _mark_passage(page_obj.object_list)
    return render(
        request,
        "zone/staff/people/queue.html",
        {"filterset": filterset, "page_obj": page_obj, "page_range": page_range, "export_formats": EXPORT_FORMATS},
    )


@staff_permission(VIEW_PERMISSION)
@require_GET
def person_queue_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    persons = _filterset(request).qs[:EXPORT_LIMIT]
    today = timezone.localdate()
    header = [
        _("Registration"),
        _("Name (English)"),
        _("Name (Chinese)"),
        _("Institution"),
        _("Travel document type"),
        _("Travel document number (last characters)"),
        _("Nationality"),
        _("Position"),
        _("Valid from"),
        _("Valid until"),
        _("Designated carrier"),
        _("Status"),
        _("Valid for passage today"),
        _("Submitted at"),
        _("Decided at"),
    ]

    def rows():
        for person in persons.iterator(chunk_size=2000):
            valid, _reason = services.passage_status(
                person, day=today, institution_admits=person.institution_admits_personnel
            )
            yield [
                person.pk,
                person.name_en,
                person.name_zh,
                person.institution.name,
                person.get_document_type_display(),
                person.masked_document,
                person.nationality.code,
                person.position,
                person.valid_from,
                person.valid_until,
                person.designated_carrier,
                person.get_status_display(),
                valid,
                person.submitted_at,
                person.decided_at,
            ]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(
        fmt, filename=f"registered-persons-{stamp}", header=header, rows=rows(), title=_("Registered persons")
    )


def _person_for(request, pk) -> RegisteredPerson:
    persons = services.with_personnel_entry(
        RegisteredPerson.objects.visible_to(principal_for(request)).select_related(
            "institution", "decided_by", "created_by"
        )
    )
    return get_object_or_404(persons, pk=pk)


_FORMS = {
    PERSON_APPROVE: ("approve_form", PersonApproveForm),
    PERSON_REJECT: ("reject_form", PersonRejectForm),
    PERSON_SUSPEND: ("suspend_form", PersonSuspendForm),
    PERSON_REINSTATE: ("reinstate_form", PersonReinstateForm),
}


def _render_person(request, person, **bound_forms):
    user = request.user
    decide, decide_reason = can_decide_person(user, person)
    actions = PERSON.available_actions(person, user)
    forms = {name: (form_class() if action in actions else None) for action, (name, form_class) in _FORMS.items()}
    forms.update(bound_forms)
    _mark_passage([person])
    return render(
        request,
        "zone/staff/people/detail.html",
        {
            "person": person,
            "can_decide": decide,
            "decide_reason": decide_reason,
            "entry": services.personnel_entry(person.institution_id),
            "today": timezone.localdate(),
            **forms,
        },
    )


@staff_permission(VIEW_PERMISSION)
@require_GET
def person_detail(request, pk):
    return _render_person(request, _person_for(request, pk))


def _decision(request, pk, *, action, call, done):
    """Check the state, validate the form, call the service, and answer with the page or a redirect."""
    person = _person_for(request, pk)
    form_name, form_class = _FORMS[action]
    return form_step(
        request,
        person,
        machine=PERSON,
        action=action,
        form=form_class(request.POST),
        call=lambda data: call(person, data),
        done=done,
        back=redirect("staff-people-detail", pk=person.pk),
        again=lambda form: _render_person(request, person, **{form_name: form}),
    )


@staff_permission(PERSON_REVIEW_PERMISSION)
@require_POST
def person_approve(request, pk):
    return _decision(
        request,
        pk,
        action=PERSON_APPROVE,
        call=lambda person, data: services.person_approve(person_id=person.pk, actor=request.user, note=data["note"]),
        done=_("The registration is approved; the person may pass while it and the institution's filing are valid."),
    )


@staff_permission(PERSON_REVIEW_PERMISSION)
@require_POST
def person_reject(request, pk):
    return _decision(
        request,
        pk,
        action=PERSON_REJECT,
        call=lambda person, data: services.person_reject(
            person_id=person.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The registration is rejected; the institution has been told the reason."),
    )


@staff_permission(PERSON_REVIEW_PERMISSION)
@require_POST
def person_suspend(request, pk):
    return _decision(
        request,
        pk,
        action=PERSON_SUSPEND,
        call=lambda person, data: services.person_suspend(
            person_id=person.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The registration is suspended; passage checks answer “not valid”."),
    )


@staff_permission(PERSON_REVIEW_PERMISSION)
@require_POST
def person_reinstate(request, pk):
    return _decision(
        request,
        pk,
        action=PERSON_REINSTATE,
        call=lambda person, data: services.person_reinstate(
            person_id=person.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The registration is approved again."),
    )


def review_tile(request):
    """The staff dashboard's tile of registrations waiting for a decision (hetao.registry.work_tile)."""
    from hetao import registry

    from ..permissions import is_person_reviewer

    if not is_person_reviewer(request.user):
        return None
    waiting = (
        RegisteredPerson.objects.visible_to(principal_for(request))
        .filter(status=PersonStatus.SUBMITTED)
        .exclude(institution__memberships__user=request.user)
        .count()
    )
    return registry.Tile(
        label=_("Registered persons to review"),
        description=ngettext(
            "%(count)s registration waits for your decision.",
            "%(count)s registrations wait for your decision.",
            waiting,
        )
        % {"count": waiting},
        url=reverse("staff-people-queue"),
    )
