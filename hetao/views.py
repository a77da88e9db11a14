"""Portal-wide pages: home, the health check, error pages and API-token pages."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao import registry, services
from hetao.accounts import awaiting_confirmation, email_confirmation_tokens
from hetao.api.errors import is_api_request, json_error_response
from hetao.filtersets import ApiTokenFilterSet
from hetao.forms import ApiTokenForm, ConfirmAgainForm, PortalAuthenticationForm, ProfileForm
from hetao.health import check_all
from hetao.models import ApiToken, Notification, User
from hetao.pages import page_of, run_service
from hetao.principal import is_zone_staff
from hetao.tenancy import institution_model, institutions_owned_by, memberships_of, roles

# ---------------------------------------------------------------------------------------------
# Home


@login_required
def home(request):
    """Staff: the dashboard of the tiles every app registers. Members: their institutions."""
    user = request.user
    if is_zone_staff(user):
        return render(
            request,
            "home_staff.html",
            {"tiles": registry.tiles_for(request, "count"), "work_tiles": registry.tiles_for(request, "work")},
        )
    memberships = list(memberships_of(user))
    return render(
        request,
        "home_member.html",
        {"memberships": memberships, "is_owner": any(m.role == roles().OWNER for m in memberships)},
    )


@never_cache
@require_GET
def healthz(request):
    """Status of the database, Redis and the Celery workers; 503 when one is down."""
    status = check_all()
    healthy = all(part["ok"] for part in status.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico before reading any page: point them at the static icon."""
    response = redirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


# ---------------------------------------------------------------------------------------------
# Error pages: HTML for people, JSON for the partner API under /api/.


@requires_csrf_token
def bad_request(request, exception=None):
    if is_api_request(request):
        return json_error_response(request, 400)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if is_api_request(request):
        return json_error_response(request, 403)
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if is_api_request(request):
        return json_error_response(request, 404)
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    if is_api_request(request):
        return json_error_response(request, 500)
    # No request context: whatever failed (database, session, a context processor) is not needed here.
    return HttpResponseServerError(loader.get_template("500.html").render())


# ---------------------------------------------------------------------------------------------
# API tokens. Staff manage every token (/staff/tokens/); an institution owner manages the tokens
# bound to the institutions they own (/accounts/tokens/). Out-of-scope tokens are 404.


@dataclass
class TokenArea:
    """Which tokens a page shows and which institutions a new token may be bound to."""

    tokens: QuerySet
    institutions: QuerySet
    institution_required: bool
    can_manage: bool
    is_staff_area: bool
    list_url_name: str
    create_url_name: str
    revoke_url_name: str

    @property
    def list_url(self) -> str:
        return reverse(self.list_url_name)

    @property
    def create_url(self) -> str:
        return reverse(self.create_url_name)


def staff_token_area(user) -> TokenArea:
    return TokenArea(
        tokens=ApiToken.objects.all(),
        institutions=institution_model().objects.order_by("name_en"),
        institution_required=False,
        can_manage=user.has_perm("hetao.add_apitoken"),
        is_staff_area=True,
        list_url_name="staff-tokens",
        create_url_name="staff-token-create",
        revoke_url_name="staff-token-revoke",
    )


def owner_token_area(user) -> TokenArea:
    owned = institutions_owned_by(user)
    if not owned.exists():
        raise PermissionDenied
    return TokenArea(
        tokens=ApiToken.objects.filter(institution__in=owned),
        institutions=owned.order_by("name_en"),
        institution_required=True,
        can_manage=True,
        is_staff_area=False,
        list_url_name="tokens",
        create_url_name="token-create",
        revoke_url_name="token-revoke",
    )


def token_list_page(request, area: TokenArea):
    tokens = area.tokens.select_related("owner", "institution", "revoked_by").order_by("-created_at", "-pk")
    filterset = ApiTokenFilterSet(request.GET or None, queryset=tokens)
    page_obj = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "tokens/token_list.html",
        {
            "area": area,
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
        },
    )


def token_create_page(request, area: TokenArea):
    if not area.can_manage:
        raise PermissionDenied
    form = ApiTokenForm(
        request.POST or None,
        institutions=area.institutions,
        institution_required=area.institution_required,
    )
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.api_token_create(
                owner=request.user,
                created_by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                institution=form.cleaned_data["institution"],
                expires_at=form.expires_at,
                allowed_ips=form.cleaned_data["allowed_ips"],
            ),
            form=form,
        )
        if outcome.ok:
            token, secret = outcome.value
            # The secret is in this response only: it is not stored and the page is not cached.
            return render(request, "tokens/token_created.html", {"area": area, "token": token, "secret": secret})
    return render(request, "tokens/token_form.html", {"area": area, "form": form})


def token_revoke_page(request, area: TokenArea, pk: int):
    token = get_object_or_404(area.tokens.select_related("institution", "owner"), pk=pk)
    if not area.can_manage:
        raise PermissionDenied
    if request.method == "POST":
        services.api_token_revoke(token_id=token.pk, actor=request.user)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect(area.list_url)
    return render(request, "tokens/token_revoke.html", {"area": area, "token": token})


@login_required
@require_GET
def owner_tokens(request):
    return token_list_page(request, owner_token_area(request.user))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def owner_token_create(request):
    return token_create_page(request, owner_token_area(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def owner_token_revoke(request, pk):
    return token_revoke_page(request, owner_token_area(request.user), pk)


# ---------------------------------------------------------------------------------------------
# Accounts: confirming the e-mail address of a registration, and a person's own profile.

_CONFIRM_AGAIN_SESSION_KEY = "confirm_again_user"


def _user_from_uidb64(uidb64: str) -> User | None:
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=user_id).first()


@require_GET
def account_confirm(request, uidb64, token):
    """The link of a confirmation e-mail: activates the account once."""
    user = _user_from_uidb64(uidb64)
    if user is None or not email_confirmation_tokens.check_token(user, token):
        return render(request, "zone/register_link_invalid.html", status=400)
    if user.is_active:
        messages.info(request, _("Your e-mail address is already confirmed. Sign in to continue."))
    else:
        services.user_confirm_email(user_id=user.pk)
        messages.success(request, _("Thank you: your e-mail address is confirmed and your account is active. Sign in."))
    return redirect("login")


@never_cache
@require_http_methods(["GET", "POST"])
def account_confirm_again(request):
    """Send the confirmation link again: to the account that just signed in with the right password,
    or to the account registered with an address. The answer never says whether such an account exists."""
    form = ConfirmAgainForm(request.POST or None)
    if request.method == "POST":
        user_id = request.session.pop(_CONFIRM_AGAIN_SESSION_KEY, None) if "email" not in request.POST else None
        if user_id is not None:
            services.confirmation_email_request(user_id=user_id)
        elif form.is_valid():
            for user in User.objects.filter(email__iexact=form.cleaned_data["email"], is_active=False)[:5]:
                if awaiting_confirmation(user):
                    services.confirmation_email_request(user_id=user.pk)
        else:
            return render(request, "registration/confirm_again.html", {"form": form})
        messages.success(
            request,
            _(
                "If an account awaits confirmation there, a new confirmation link is on its way. "
                "It can take a few minutes; look in the spam folder too."
            ),
        )
        return redirect("login")
    return render(request, "registration/confirm_again.html", {"form": form})


class PortalLoginView(auth_views.LoginView):
    """Sign-in; an account awaiting confirmation that gave its right password is offered the link again."""

    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        if form.unconfirmed_user is not None:
            self.request.session[_CONFIRM_AGAIN_SESSION_KEY] = form.unconfirmed_user.pk
        return super().form_invalid(form)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """A person's own name and preferred language."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.user_update_profile(
                user_id=request.user.pk,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                language=form.cleaned_data["language"],
            ),
            form=form,
        )
        if outcome.ok:
            user = outcome.value
            translation.activate(user.language)
            messages.success(request, _("Your profile is saved."))
            response = redirect("profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
            return response
    return render(request, "registration/profile.html", {"form": form})


# ---------------------------------------------------------------------------------------------
# Notifications: a person's own messages, rendered in the language they read the page in.


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
    count = services.notification_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


@login_required
@require_GET
def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications")
