"""Browser pages of institutions: registration, an institution and its members, invitations, and
the public check of a filing number.

Pages read through `Model.objects.visible_to` (anything outside it is a 404) and change through
the services, whose refusals `hetao.pages.run_service` turns into messages and form errors.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hetao.pages import run_service
from hetao.principal import principal_for

from .. import services
from ..forms.whitelist import InvitationForm, InvitedAccountForm, RegistrationForm, VerifyFilingForm
from ..models import Institution, Invitation, Membership, WhitelistApplication, WhitelistEntry, scope_labels
from ..permissions import can_file, member_role

_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    """An institution registers with its first owner's account, which works once the e-mail is confirmed."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = run_service(
            request,
            lambda: services.institution_register(
                institution=form.instance,
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                language=data["language"],
            ),
            form=form,
        )
        if outcome.ok:
            return redirect("register-sent")
    return render(request, "zone/register.html", {"form": form})


@require_GET
def register_sent(request):
    return render(request, "zone/register_sent.html")


@require_GET
def verify_filing(request):
    """Anyone may check a filing number: valid or not, for which scopes, until when. Nothing else."""
    form = VerifyFilingForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = services.verify_filing(form.cleaned_data["filing_no"])
        result["scope_labels"] = scope_labels(result.get("scopes"))
    return render(request, "zone/verify.html", {"form": form, "result": result})


@login_required
@require_http_methods(["GET", "POST"])
def institution_detail(request, pk):
    """An institution, its filings and members; its owners invite new members here."""
    principal = principal_for(request)
    institution = get_object_or_404(Institution.objects.visible_to(principal), pk=pk)
    role = member_role(request.user, institution.pk)
    is_owner = role == Membership.Role.OWNER
    if request.method == "POST" and not is_owner:
        raise PermissionDenied(_("Only an owner of the institution can invite members."))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.invitation_create(
                institution=institution,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                language=translation.get_language(),
            ),
            form=form,
        )
        if outcome.ok:
            invitation, _secret = outcome.value
            messages.success(
                request,
                _("An invitation was sent to %(email)s. It can be used once, within %(days)s days.")
                % {"email": invitation.email, "days": services.INVITATION_VALIDITY.days},
            )
            return redirect("institution", pk=institution.pk)
    entries = (
        WhitelistEntry.objects.visible_to(principal).filter(institution=institution).order_by("-valid_until", "-pk")
    )
    invitations = (
        Invitation.objects.visible_to(principal)
        .filter(institution=institution, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
    )
    members = Membership.objects.visible_to(principal).filter(institution=institution).select_related("user")
    return render(
        request,
        "zone/institution_detail.html",
        {
            "institution": institution,
            "role": role,
            "is_owner": is_owner,
            "can_file": can_file(request.user, institution.pk),
            "entries": list(entries),
            "memberships": sorted(members, key=lambda m: (Membership.Role.values.index(m.role), m.user.get_username())),
            "invitations": list(invitations),
            "show_invitations": is_owner or invitations.exists(),
            "form": form if is_owner else None,
            "open_applications": WhitelistApplication.objects.visible_to(principal)
            .filter(institution=institution)
            .open()
            .count(),
        },
    )


def _role_label(role: str | None) -> str | None:
    return Membership.Role(role).label if role else None


def _welcome(request, membership, text) -> None:
    messages.success(
        request,
        text % {"institution": membership.institution.name, "role": membership.get_role_display().lower()},
    )


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
            outcome = run_service(request, lambda: services.invitation_accept(secret=secret, user=request.user))
            if not outcome.ok:
                return redirect("invitation", secret=secret)
            _welcome(request, outcome.value, _("You are now a member of %(institution)s as %(role)s."))
            return redirect("institution", pk=outcome.value.institution_id)
    else:
        form = InvitedAccountForm(request.POST or None, email=found.email)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            outcome = run_service(
                request,
                lambda: services.invitation_accept_with_new_account(
                    secret=secret, username=data["username"], password=data["password1"], language=data["language"]
                ),
                form=form,
            )
            if outcome.ok:
                membership = outcome.value
                login(request, membership.user, backend=_MODEL_BACKEND)
                _welcome(
                    request,
                    membership,
                    _("Welcome! Your account is ready and you are a member of %(institution)s as %(role)s."),
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
