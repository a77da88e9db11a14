"""`manage.py create_user`: an account for zone staff or an institution member, from the command line."""

import getpass
import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from hetao.audit import audit_context
from hetao.roles import ROLE_PERMISSIONS
from hetao.services import user_create
from zone.models import Institution, Membership
from zone.services import membership_set
from zone.validators import normalise_registration_no


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


class Command(BaseCommand):
    help = _(
        "Create a user: zone staff with --staff-role, or a member of an institution with --institution and --role. "
        "Without --password the password is asked for (or, when not run in a terminal, the account gets none "
        "and its owner sets one with “Forgot your password?”)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help=_("The password; prefer the prompt, which keeps it out of history."))
        parser.add_argument(
            "--staff-role",
            metavar="ROLE",
            help=_("Staff role: %(roles)s.") % {"roles": ", ".join(ROLE_PERMISSIONS)},
        )
        parser.add_argument(
            "--institution", metavar="REGISTRATION_NO", help=_("Registration number of the institution to join.")
        )
        parser.add_argument("--role", help=_("Role in the institution: %(roles)s.") % {"roles": "owner, filer, viewer"})
        parser.add_argument(
            "--language",
            default="en",
            help=_("Language of e-mails: %(codes)s.")
            % {"codes": ", ".join(code for code, _name in settings.LANGUAGES)},
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, **options):
        username = options["username"].strip()
        staff_role = options["staff_role"]
        if staff_role is not None and staff_role not in ROLE_PERMISSIONS:
            raise CommandError(
                _("Unknown staff role “%(role)s”. Staff roles: %(roles)s.")
                % {"role": staff_role, "roles": ", ".join(ROLE_PERMISSIONS)}
            )
        languages = [code for code, _name in settings.LANGUAGES]
        if options["language"] not in languages:
            raise CommandError(
                _("Unknown language “%(language)s”. Languages: %(languages)s.")
                % {"language": options["language"], "languages": ", ".join(languages)}
            )
        institution, role = self._membership(options["institution"], options["role"])
        password = options["password"]
        if password is None and sys.stdin.isatty():
            password = self._prompt_password()

        try:
            with audit_context(channel="command", command="create_user"), transaction.atomic():
                user = user_create(
                    username=username,
                    email=options["email"],
                    password=password or None,
                    staff_role=staff_role,
                    language=options["language"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
                if institution is not None:
                    membership_set(user=user, institution=institution, role=role)
        except ValidationError as error:
            raise CommandError(_("The user was not created: %(reason)s") % {"reason": _messages(error)}) from None

        what = _("staff role %(role)s") % {"role": staff_role} if staff_role else _("no staff role")
        self.stdout.write(
            self.style.SUCCESS(_("Created user “%(username)s” (%(what)s).") % {"username": user.username, "what": what})
        )
        if institution is not None:
            self.stdout.write(
                _("%(role)s of %(institution)s (%(registration)s).")
                % {
                    "role": Membership.Role(role).label,
                    "institution": institution.name,
                    "registration": institution.registration_no,
                }
            )
        if not user.has_usable_password():
            self.stdout.write(
                _(
                    "The account has no password yet: its owner sets one with “Forgot your password?” "
                    "on the sign-in page."
                )
            )

    def _membership(self, registration_no, role):
        if registration_no is None and role is None:
            return None, None
        if registration_no is None or role is None:
            raise CommandError(_("--institution and --role go together: give both or neither."))
        if role not in Membership.Role.values:
            raise CommandError(
                _("Unknown institution role “%(role)s”. Roles: %(roles)s.")
                % {"role": role, "roles": ", ".join(Membership.Role.values)}
            )
        matches = list(Institution.objects.filter(registration_no=normalise_registration_no(registration_no)))
        if not matches:
            raise CommandError(
                _("No institution is registered with the number “%(number)s”.") % {"number": registration_no}
            )
        if len(matches) > 1:
            raise CommandError(
                _("Several institutions are registered with the number “%(number)s”: %(names)s.")
                % {"number": registration_no, "names": "; ".join(str(i) for i in matches)}
            )
        return matches[0], role

    def _prompt_password(self) -> str:
        for _attempt in range(3):
            first = getpass.getpass(_("Password: "))
            if first and first == getpass.getpass(_("Password (again): ")):
                return first
            self.stderr.write(_("The passwords were empty or did not match; try again."))
        raise CommandError(_("No password was set."))
