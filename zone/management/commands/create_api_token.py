"""`manage.py create_api_token`: issue an API token for a partner system and print its secret once."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.audit import audit_context
from hetao.models import ApiScope, User
from hetao.services import api_token_create
from zone.models import Institution
from zone.validators import normalise_registration_no

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    @property
    def help(self):
        return _("Create an API token for a user (optionally bound to an institution) and print its secret once.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="USERNAME", help=_("Username of the token's owner."))
        parser.add_argument(
            "--institution",
            metavar="REGISTRATION_NO",
            help=_("Registration number of the institution the token is bound to (required for institution members)."),
        )
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            dest="scopes",
            metavar="SCOPE",
            help=_("A scope to grant; repeat for several. One of: %(scopes)s.")
            % {"scopes": ", ".join(ApiScope.values)},
        )
        parser.add_argument(
            "--expires",
            metavar="YYYY-MM-DD",
            help=_("Last day of validity, YYYY-MM-DD (the token expires at its end)."),
        )
        parser.add_argument("--name", default="", help=_("A name telling what system uses the token."))
        parser.add_argument(
            "--allowed-ip",
            action="append",
            default=[],
            dest="allowed_ips",
            metavar="NET",
            help=_("An address or CIDR network the token may be used from; repeat for several."),
        )

    def handle(self, *args, user, institution, scopes, expires, name, allowed_ips, **options):
        owner = User.objects.filter(username__iexact=user).first()
        if owner is None:
            raise CommandError(_("No user with username “%(username)s”.") % {"username": user})
        if not owner.is_active:
            raise CommandError(_("The user “%(username)s” is inactive.") % {"username": owner.username})

        bound_to = None
        if institution:
            matches = list(Institution.objects.filter(registration_no=normalise_registration_no(institution))[:2])
            if not matches:
                raise CommandError(_("No institution with registration number “%(number)s”.") % {"number": institution})
            if len(matches) > 1:
                raise CommandError(
                    _("Several institutions have registration number “%(number)s”.") % {"number": institution}
                )
            bound_to = matches[0]

        unknown = sorted(set(scopes) - set(ApiScope.values))
        if unknown:
            raise CommandError(
                _("Unknown scope(s): %(unknown)s. Known scopes: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(ApiScope.values)}
            )

        expires_at = None
        if expires:
            try:
                if not _DATE_RE.match(expires):
                    raise ValueError(expires)
                last_day = datetime.date.fromisoformat(expires)
            except ValueError:
                raise CommandError(
                    _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": expires}
                ) from None
            # Valid through the whole last day, in the portal's time zone.
            expires_at = timezone.make_aware(
                datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time())
            )
            if expires_at <= timezone.now():
                raise CommandError(_("The expiry date %(date)s has already passed.") % {"date": expires})

        token_name = name.strip() or _("Token of %(username)s") % {"username": owner.username}
        try:
            with audit_context(channel="command", command="create_api_token"):
                token, secret = api_token_create(
                    owner=owner,
                    name=token_name,
                    scopes=scopes,
                    institution=bound_to,
                    expires_at=expires_at,
                    allowed_ips=allowed_ips,
                )
        except ValidationError as error:
            raise CommandError(_messages(error)) from None

        self.stderr.write(
            _("Created token “%(name)s” (id %(id)s, prefix %(prefix)s). Its secret is shown only this once:")
            % {"name": token.name, "id": token.pk, "prefix": token.key_prefix}
        )
        self.stdout.write(secret)
