"""`manage.py seed_demo`: the demo zone, its accounts and a partner API token, then a sign-in table."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hetao.audit import audit_context
from hetao.roles import ROLE_LABELS
from zone import demo
from zone.models import Institution, Membership


class Command(BaseCommand):
    help = _(
        "Create or refresh the demo data of the zone (parks, sites, checkpoints, institutions, one account "
        "per role and a partner API token). Safe to run again: nothing is duplicated, passwords are reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Run even with DEBUG off. The demo accounts share a published password: never in production."),
        )
        parser.add_argument(
            "--new-token",
            action="store_true",
            help=_("Revoke the demo API token and create a new one, printing its secret."),
        )

    def handle(self, *args, force=False, new_token=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off, so this looks like a production deployment: seed_demo creates accounts with a "
                    "published password and refuses to run. Use --force for a demo installation."
                )
            )
        with audit_context(channel="command", command="seed_demo"):
            result = demo.seed(new_token=new_token)

        for label, count in sorted(result.created.items()):
            self.stdout.write(_("Created %(count)d %(label)s.") % {"count": count, "label": label})
        for label, count in sorted(result.updated.items()):
            self.stdout.write(_("Updated %(count)d %(label)s.") % {"count": count, "label": label})
        if result.revoked_token is not None:
            self.stdout.write(
                _("Revoked the previous demo API token (%(prefix)s…).") % {"prefix": result.revoked_token.key_prefix}
            )
        if not result.created and not result.updated:
            self.stdout.write(_("The demo data was already up to date."))
        for note in result.notes:
            self.stdout.write(note)
        self._table(result)

    def _role(self, spec: demo.DemoAccount) -> str:
        if spec.staff_role:
            label = str(ROLE_LABELS[spec.staff_role])
            return label + (" " + _("(superuser)") if spec.superuser else "")
        institution = Institution.objects.get(
            registration_type=spec.institution[0], registration_no=spec.institution[1]
        )
        return f"{Membership.Role(spec.membership_role).label} · {institution.name}"

    def _base_url(self) -> str:
        # `make run PORT=…` serves on another port; PORTAL_BASE_URL, when set, names the public address.
        if "PORTAL_BASE_URL" not in os.environ and os.environ.get("PORT", "").isdigit():
            return f"http://127.0.0.1:{os.environ['PORT']}"
        return getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

    def _table(self, result: demo.SeedResult) -> None:
        base = self._base_url()
        rows = [
            (spec.username, demo.DEMO_PASSWORD if spec.can_sign_in else _("(API token only)"), self._role(spec))
            for spec in demo.ACCOUNTS
        ]
        headers = (_("username"), _("password"), _("role"))
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(3)]
        out = self.stdout
        out.write("")
        out.write(_("Hetao Zone Portal demo"))
        out.write(f"  {_('Portal')}:     {base}/")
        out.write(f"  {_('Admin')}:      {base}/admin/")
        out.write(f"  {_('API docs')}:   {base}/api/docs/")
        out.write("")
        for row in [headers, ["-" * w for w in widths], *rows]:
            out.write(("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))).rstrip())
        out.write("")
        token = result.token
        scopes = " ".join(token.scopes)
        about = _("owner %(owner)s, bound to %(institution)s, scopes %(scopes)s") % {
            "owner": token.owner.username,
            "institution": token.institution.name,
            "scopes": scopes,
        }
        if result.token_secret:
            out.write(_("API token (shown only now; only its hash is stored):"))
            out.write(f"  {result.token_secret}")
            out.write(f"  {about}")
            out.write(f'  curl -H "Authorization: Bearer {result.token_secret}" {base}/api/v1/parks/')
        else:
            out.write(
                _("API token: “%(name)s” (%(prefix)s…) exists; its secret was shown when it was created.")
                % {"name": token.name, "prefix": token.key_prefix}
            )
            out.write(f"  {about}")
            out.write(_("  A new demo token (the old one is revoked): manage.py seed_demo --new-token"))
            out.write(
                _("  Or one of your own: manage.py create_api_token --user %(owner)s --institution %(reg)s %(scopes)s")
                % {
                    "owner": token.owner.username,
                    "reg": token.institution.registration_no,
                    "scopes": " ".join(f"--scope {s}" for s in token.scopes),
                }
            )
        out.write("")
