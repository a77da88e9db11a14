"""Browser pages of the institution portal: registration, invitations, the whitelist filing of an
institution's members, notifications, and the public verification of a filing number.

Every page reads through the selectors (anything outside them is a 404) and changes through the
services; a refused operation becomes a message or a form error, a role that does not allow it a 403.
"""

import logging
from functools import partial

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlencode,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao import services as account_services
from hetao.accounts import send_confirmation_email
from hetao.errors import InvalidTransition
from hetao.models import Notification
from hetao.principal import principal_for

from . import emails, selectors, services, workflow
from .forms import (
    ApplicationCreateForm,
    ApplicationForm,
    CommentForm,
    DocumentForm,
    InvitationForm,
    InvitedAccountForm,
    MemberApplicationFilterSet,
    RegistrationForm,
    VerifyFilingForm,
    WithdrawForm,
    service_error_text,
)
from .models import Institution, Membership
from .models_whitelist import ApplicationStatus, EntryStatus, scope_labels
from .permissions import can_file, is_reviewer, is_whitelist_manager, member_role

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
STEP_LABELS = {
    "create": gettext_lazy("Created"),
    workflow.SUBMIT: gettext_lazy("Submitted"),
    workflow.WITHDRAW: gettext_lazy("Withdrawn"),
    workflow.ASSIGN: gettext_lazy("Reviewer assigned"),
    workflow.REQUEST_CHANGES: gettext_lazy("Changes requested"),
    workflow.APPROVE: gettext_lazy("Approved"),
    workflow.REJECT: gettext_lazy("Rejected"),
}
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def label_steps(steps) -> list:
    steps = list(steps)
    for step in steps:
        step.label = STEP_LABELS.get(step.action, step.action)
    return steps


def page_of(request, queryset):
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return page_obj, page_obj.paginator.get_elided_page_range(page_obj.number)


# --- registration -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    """An institution registers with its first owner's account, which works once the e-mail is confirmed."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _institution, user = services.institution_register(
                    institution=form.instance,
                    username=data["username"],
                    email=data["email"],
                    password=data["password1"],
                    language=data["language"],
                )
                # Robust: the registration stands even if the mail server is down at this moment.
                transaction.on_commit(partial(send_confirmation_email, user.pk), robust=True)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("register-sent")
    return render(request, "zone/register.html", {"form": form})


@require_GET
def register_sent(request):
    return render(request, "zone/register_sent.html")


# --- public verification ------------------------------------------------------------------------


@require_GET
def verify_filing(request):
    """Anyone may check a filing number: valid or not, for which scopes, until when. Nothing else."""
    form = VerifyFilingForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = services.verify_filing(form.cleaned_data["filing_no"])
        result["scope_labels"] = scope_labels(result.get("scopes"))
    return render(request, "zone/verify.html", {"form": form, "result": result})


# --- institutions and invitations ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def institution_detail(request, pk):
    principal = principal_for(request)
    institution = get_object_or_404(Institution.objects.visible_to(principal), pk=pk)
    role = member_role(request.user, institution.pk)
    is_owner = role == Membership.Role.OWNER
    if request.method == "POST" and not is_owner:
        raise PermissionDenied(_("Only an owner of the institution can invite members."))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                invitation, secret = services.invitation_create(
                    institution=institution,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    actor=request.user,
                )
                transaction.on_commit(
                    partial(emails.send_invitation_email, invitation.pk, secret, translation.get_language()),
                    robust=True,
                )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. It can be used once, within %(days)s days.")
                % {"email": invitation.email, "days": services.INVITATION_VALIDITY.days},
            )
            return redirect("institution", pk=institution.pk)
    entries = list(
        selectors.entries_visible_to(principal).filter(institution=institution).order_by("-valid_until", "-pk")
    )
    show_invitations = is_owner or (principal.institution_ids is None and request.user.has_perm("zone.view_invitation"))
    invitations = (
        institution.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now()).select_related(
            "invited_by"
        )
        if show_invitations
        else []
    )
    return render(
        request,
        "zone/institution_detail.html",
        {
            "institution": institution,
            "role": role,
            "is_owner": is_owner,
            "can_file": can_file(request.user, institution.pk),
            "entries": entries,
            "memberships": sorted(
                institution.memberships.select_related("user"),
                key=lambda m: (Membership.Role.values.index(m.role), m.user.get_username()),
            ),
            "invitations": invitations,
            "show_invitations": show_invitations,
            "form": form if is_owner else None,
            "open_applications": selectors.applications_visible_to(principal)
            .filter(institution=institution)
            .exclude(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
            .count(),
        },
    )


def _role_label(role: str | None) -> str | None:
    return Membership.Role(role).label if role else None


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, secret):
    """The link in an invitation e-mail: accept while signed in, or create an account and accept."""
    found = services.invitation_for_secret(secret)
    if found is None:
        return render(request, "zone/invitation_invalid.html", {"days": services.INVITATION_VALIDITY.days}, status=404)
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(secret=secret, user=request.user)
            except ValidationError as error:
                messages.error(request, service_error_text(error))
                return redirect("invitation", secret=secret)
            messages.success(
                request,
                _("You are now a member of %(institution)s as %(role)s.")
                % {"institution": membership.institution.name, "role": membership.get_role_display().lower()},
            )
            return redirect("institution", pk=membership.institution_id)
    else:
        form = InvitedAccountForm(request.POST or None, email=found.email)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    # The invited address is proven by the link, so the account is active at once.
                    user = account_services.user_create(
                        username=data["username"],
                        email=found.email,
                        password=data["password1"],
                        language=data["language"],
                    )
                    membership = services.invitation_accept(secret=secret, user=user)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                login(request, user, backend=_MODEL_BACKEND)
                messages.success(
                    request,
                    _("Welcome! Your account is ready and you are a member of %(institution)s as %(role)s.")
                    % {"institution": membership.institution.name, "role": membership.get_role_display().lower()},
                )
                return redirect("institution", pk=membership.institution_id)
    return render(
        request,
        "zone/invitation.html",
        {
            "invitation": found,
            "form": form,
            "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
            "current_role": _role_label(member_role(request.user, found.institution_id)),
        },
    )


# --- whitelist applications ---------------------------------------------------------------------


def _filing_institutions(user):
    return Institution.objects.filter(
        memberships__user=user, memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER]
    ).order_by("name_en")


def _application_for(request, pk):
    return get_object_or_404(selectors.applications_visible_to(principal_for(request)), pk=pk)


def stale_action(request, action: str, application) -> bool:
    """Say at once why a page's action no longer fits the application's state (a stale page)."""
    try:
        workflow.target_status(action, application.status)
    except InvalidTransition as error:
        messages.error(request, error.message)
        return True
    return False


@login_required
@require_GET
def whitelist_overview(request):
    """The institution's filing in the registry, with a way to the applications."""
    principal = principal_for(request)
    if principal.institution_ids is None and (is_reviewer(request.user) or is_whitelist_manager(request.user)):
        return redirect("staff-registry")
    entries = selectors.entries_visible_to(principal).order_by("institution__name_en", "-valid_until")
    page_obj, page_range = page_of(request, entries)
    return render(
        request,
        "zone/whitelist.html",
        {
            "page_obj": page_obj,
            "page_range": page_range,
            "can_file_any": _filing_institutions(request.user).exists(),
            "today": timezone.localdate(),
            "active": EntryStatus.ACTIVE,
        },
    )


@login_required
@require_GET
def application_list(request):
    principal = principal_for(request)
    applications = selectors.applications_visible_to(principal).order_by("-updated_at", "-pk")
    filterset = MemberApplicationFilterSet(
        request.GET or None, queryset=applications, institutions=Institution.objects.visible_to(principal)
    )
    page_obj, page_range = page_of(request, filterset.qs)
    return render(
        request,
        "zone/application_list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_file_any": _filing_institutions(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request):
    institutions = _filing_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied(_("Only owners and filers of an institution can file applications."))
    form = ApplicationCreateForm(
        request.POST or None, institutions=institutions, preselect=request.GET.get("institution")
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                institution=form.cleaned_data["institution"], actor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("The draft is saved. Attach the documents, then submit the application when it is complete.")
            )
            return redirect("whitelist-application", pk=application.pk)
    return render(request, "zone/application_form.html", {"form": form, "application": None})


def _render_detail(request, application, *, document_form=None, comment_form=None):
    principal = principal_for(request)
    user = request.user
    filer = can_file(user, application.institution_id)
    editable = filer and workflow.allowed(workflow.EDIT, application.status)
    entry = application.entry
    return render(
        request,
        "zone/application_detail.html",
        {
            "application": application,
            "entry": entry,
            "role": member_role(user, application.institution_id),
            "can_file": filer,
            "editable": editable,
            "can_submit": filer and workflow.allowed(workflow.SUBMIT, application.status),
            "can_withdraw": filer and workflow.allowed(workflow.WITHDRAW, application.status),
            "documents": application.documents.select_related("uploaded_by"),
            "steps": label_steps(application.steps.select_related("actor")),
            "comments": selectors.comments_visible_to(principal, application),
            "document_form": (document_form or DocumentForm()) if editable else None,
            "comment_form": (comment_form or CommentForm()) if filer else None,
        },
    )


@login_required
@require_GET
def application_detail(request, pk):
    application = _application_for(request, pk)
    if principal_for(request).institution_ids is None and is_reviewer(request.user):
        return redirect("staff-review-application", pk=application.pk)
    return _render_detail(request, application)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = _application_for(request, pk)
    if not can_file(request.user, application.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can change its applications."))
    if stale_action(request, workflow.EDIT, application):
        return redirect("whitelist-application", pk=application.pk)
    initial = {
        "kind": application.kind,
        "requested_scopes": application.requested_scopes,
        "research_fields": application.research_fields,
        "justification": application.justification,
    }
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(application_id=application.pk, actor=request.user, **form.service_arguments())
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect("whitelist-application", pk=application.pk)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("whitelist-application", pk=application.pk)
    return render(request, "zone/application_form.html", {"form": form, "application": application})


@login_required
@require_POST
def application_submit(request, pk):
    application = _application_for(request, pk)
    try:
        services.application_submit(application_id=application.pk, actor=request.user)
    except InvalidTransition as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(
            request, _("The application is not complete yet: %(problems)s") % {"problems": service_error_text(error)}
        )
    else:
        messages.success(request, _("The application is submitted. The zone's reviewers have been told."))
    return redirect("whitelist-application", pk=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = _application_for(request, pk)
    if not can_file(request.user, application.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can withdraw its applications."))
    if stale_action(request, workflow.WITHDRAW, application):
        return redirect("whitelist-application", pk=application.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application_id=application.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except InvalidTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The application is withdrawn."))
        return redirect("whitelist-application", pk=application.pk)
    return render(request, "zone/application_withdraw.html", {"application": application, "form": form})


@login_required
@require_POST
def document_upload(request, pk):
    application = _application_for(request, pk)
    if stale_action(request, workflow.EDIT, application):
        return redirect("whitelist-application", pk=application.pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.document_add(
                application_id=application.pk,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                uploaded=form.cleaned_data["file"],
            )
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect("whitelist-application", pk=application.pk)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("“%(name)s” is attached.") % {"name": document.original_name})
            return redirect("whitelist-application", pk=application.pk)
    return _render_detail(request, application, document_form=form)


@login_required
@require_POST
def document_delete(request, pk, doc_id):
    application = _application_for(request, pk)
    document = get_object_or_404(application.documents, pk=doc_id)
    try:
        services.document_delete(document_id=document.pk, actor=request.user)
    except InvalidTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": document.original_name})
    return redirect("whitelist-application", pk=application.pk)


@login_required
@require_GET
def document_download(request, pk, doc_id):
    application = _application_for(request, pk)
    document = get_object_or_404(application.documents, pk=doc_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("document %s of application %s is missing from storage", document.pk, application.pk)
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=document.content_type)


@login_required
@require_POST
def comment_create(request, pk):
    application = _application_for(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                application_id=application.pk,
                actor=request.user,
                body=form.cleaned_data["body"],
                visibility="applicant",
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your comment is added."))
            return redirect("whitelist-application", pk=application.pk)
    return _render_detail(request, application, comment_form=form)


# --- notifications ------------------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request):
    notifications = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page_obj, page_range = page_of(request, notifications)
    return render(
        request,
        "zone/notifications.html",
        {
            "page_obj": page_obj,
            "page_range": page_range,
            "unread": notifications.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def notification_read_all(request):
    count = account_services.notification_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


@login_required
@require_GET
def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    account_services.notification_mark_read(user=request.user, notification_id=notification.pk)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications")
