"""Sign-in, sign-out, password change and reset (Django's own views, our templates), and the
API tokens an institution owner manages for their institution's systems."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

from hetao import views
from hetao.forms import PortalPasswordResetForm

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("confirm/<str:uidb64>/<str:token>/", views.account_confirm, name="account-confirm"),
    path("confirm/again/", views.account_confirm_again, name="account-confirm-again"),
    path("profile/", views.profile, name="profile"),
    path("logout/", auth_views.LogoutView.as_view(next_page="logged_out"), name="logout"),
    path("logged-out/", TemplateView.as_view(template_name="registration/logged_out.html"), name="logged_out"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=PortalPasswordResetForm),
        name="password_reset",
    ),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("tokens/", views.owner_tokens, name="tokens"),
    path("tokens/new/", views.owner_token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", views.owner_token_revoke, name="token-revoke"),
]
