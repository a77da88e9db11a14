"""Browser pages of the institution portal's registered persons: the institution's researchers
registered for facilitated passage, a new registration, a draft's changes and its submission,
and the decisions that follow.

Pages read through `RegisteredPerson.objects.visible_to` (anything outside it is a 404), offer
what the workflow allows (`PERSON.available_actions`) and change through the services. The
travel document number is shown masked everywhere.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao.pages import page_of, run_service, stale_action
from hetao.principal import principal_for

from .. import services
from ..forms.people import MemberPersonFilterSet, PersonCreateForm, PersonForm
from ..models import Institution, Membership, RegisteredPerson
from ..permissions import PERSON_REVIEW_PERMISSION, can_file, member_role
from ..workflow import PERSON, PERSON_EDIT, PERSON_SUBMIT


def _filing_institutions(user):
    return Institution.objects.filter(
        memberships__user=user, memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER]
    ).order_by("name_en")


def _with_personnel(institutions):
    """The institutions split by whether their whitelist filing admits personnel movement today."""
    admitted = set(services.personnel_entries().values_list("institution_id", flat=True))
    institutions = list(institutions)
    return [i for i in institutions if i.pk in admitted], [i for i in institutions if i.pk not in admitted]


def _person_for(request, pk) -> RegisteredPerson:
    persons = RegisteredPerson.objects.visible_to(principal_for(request)).select_related(
        "institution", "decided_by", "created_by"
    )
    return get_object_or_404(persons, pk=pk)


def _back(person):
    return redirect("people-detail", pk=person.pk)


@login_required
@require_GET
def person_list(request):
    principal = principal_for(request)
    if principal.institution_ids is None and request.user.has_perm("zone.view_registeredperson"):
        return redirect("staff-people-queue")
    persons = services.with_personnel_entry(
        RegisteredPerson.objects.visible_to(principal).select_related("institution").order_by("name_en", "pk")
    )
    filterset = MemberPersonFilterSet(request.GET or None, queryset=persons)
    page_obj, page_range = page_of(request, filterset.qs)
    today = timezone.localdate()
    for person in page_obj.object_list:
        person.valid_today, person.not_valid_reason = services.passage_status(
            person, day=today, institution_admits=person.institution_admits_personnel
        )
        person.not_valid_text = services.not_valid_reason_text(person.not_valid_reason)
    admitted, not_admitted = _with_personnel(Institution.objects.visible_to(principal).order_by("name_en"))
    filing = _filing_institutions(request.user)
    return render(
        request,
        "zone/people/list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_register": any(institution in admitted for institution in filing),
            "not_admitted": not_admitted,
            "can_apply": filing.exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    filing = _filing_institutions(request.user)
    if not filing.exists():
        raise PermissionDenied(_("Only owners and filers of an institution can register persons."))
    admitted, not_admitted = _with_personnel(filing)
    if not admitted:
        # Not a dead end: the page says why and leads to the whitelist filing that grants the scope.
        return render(request, "zone/people/not_admitted.html", {"not_admitted": not_admitted})
    institutions = Institution.objects.filter(pk__in=[institution.pk for institution in admitted]).order_by("name_en")
    form = PersonCreateForm(request.POST or None, institutions=institutions, preselect=request.GET.get("institution"))
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.person_create(
                institution=form.cleaned_data["institution"], actor=request.user, **form.service_arguments()
            ),
            form=form,
            success=_("The registration is saved as a draft. Check it, then submit it to the zone's reviewers."),
        )
        if outcome.ok:
            return _back(outcome.value)
    return render(request, "zone/people/form.html", {"form": form, "person": None, "not_admitted": not_admitted})


@login_required
@require_GET
def person_detail(request, pk):
    person = _person_for(request, pk)
    if principal_for(request).institution_ids is None and request.user.has_perm(PERSON_REVIEW_PERMISSION):
        return redirect("staff-people-detail", pk=person.pk)
    user = request.user
    actions = PERSON.available_actions(person, user)
    valid, reason = services.passage_status(person)
    return render(
        request,
        "zone/people/detail.html",
        {
            "person": person,
            "role": member_role(user, person.institution_id),
            "can_file": can_file(user, person.institution_id),
            "editable": PERSON.allows(PERSON_EDIT, person.status) and PERSON.may(PERSON_EDIT, person, user)[0],
            "can_submit": PERSON_SUBMIT in actions,
            "valid_today": valid,
            "not_valid_text": services.not_valid_reason_text(reason) if reason else "",
            "not_admitted": [] if services.personnel_entry(person.institution_id) else [person.institution],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = _person_for(request, pk)
    if not can_file(request.user, person.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can change its registrations."))
    if stale_action(request, PERSON, PERSON_EDIT, person):
        return _back(person)
    initial = {
        "name_en": person.name_en,
        "name_zh": person.name_zh,
        "document_type": person.document_type,
        "nationality": person.nationality.code,
        "position": person.position,
        "valid_from": person.valid_from,
        "valid_until": person.valid_until,
        "designated_carrier": person.designated_carrier,
    }
    form = PersonForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.person_update(person_id=person.pk, actor=request.user, **form.service_arguments()),
            form=form,
            success=_("Your changes are saved."),
        )
        if outcome.ok or outcome.conflict:
            return _back(person)
    return render(request, "zone/people/form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_submit(request, pk):
    person = _person_for(request, pk)
    run_service(
        request,
        lambda: services.person_submit(person_id=person.pk, actor=request.user),
        success=_("The registration is submitted. The zone's reviewers have been told."),
        failure=_("The registration cannot be submitted yet: %(problems)s"),
    )
    return _back(person)
