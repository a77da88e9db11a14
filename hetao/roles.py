"""Staff roles are Django groups; this table is their single definition.

A data migration calls `sync_roles` so every database has the groups with exactly these
permissions; later migrations call it again when new models add permissions.
"""

from django.utils.translation import gettext_lazy as _

ZONE_ADMIN = "zone_admin"
WHITELIST_REVIEWER = "whitelist_reviewer"
CUSTOMS_OFFICER = "customs_officer"
FUND_OFFICER = "fund_officer"
PROJECT_OFFICER = "project_officer"
AUDITOR = "auditor"

ROLE_LABELS = {
    ZONE_ADMIN: _("Zone administrator"),
    WHITELIST_REVIEWER: _("Whitelist reviewer"),
    CUSTOMS_OFFICER: _("Customs officer"),
    FUND_OFFICER: _("Fund officer"),
    PROJECT_OFFICER: _("Project officer"),
    AUDITOR: _("Auditor"),
}

_VIEW_REFERENCE = [
    "zone.view_park",
    "zone.view_site",
    "zone.view_institution",
    "zone.view_membership",
    "zone.view_whitelistentry",
    "customs.view_checkpoint",
    "customs.view_hscode",
]
_WHITELIST_MODELS = (
    "whitelistapplication",
    "applicationdocument",
    "applicationcomment",
    "applicationstep",
    "whitelistentry",
    "invitation",
)
_WHITELIST_VIEW = [f"zone.view_{model}" for model in _WHITELIST_MODELS]
_WHITELIST_DECIDE = ["zone.review_whitelistapplication", "zone.manage_whitelistentry"]
# What the whitelist's personnel and data scopes grant: registered persons, data export filings.
_PEOPLE_DATA_VIEW = ["zone.view_registeredperson", "zone.view_dataexportfiling", "zone.view_negativelistentry"]
_PEOPLE_DATA_DECIDE = [
    "zone.review_registeredperson",
    "zone.assess_dataexportfiling",
    *(f"zone.{verb}_negativelistentry" for verb in ("add", "change", "delete")),
]
_PASSAGE = ["zone.view_registeredperson", "customs.add_passagecheck", "customs.view_passagecheck"]
# Declarations, the risk rules that decide them, and the bonded stock they move.
_CUSTOMS_VIEW = [
    "hetao.view_batchfiling",
    "customs.view_declaration",
    "customs.view_declarationitem",
    "customs.view_stockbalance",
    "customs.view_stockmovement",
    "customs.view_riskrule",
    "customs.view_rulesetversion",
    "customs.view_gatepassage",
]
# Filing a batch for institutions: for the one named, or for the declarant each row names.
_BATCH_FILE = ["hetao.add_batchfiling"]
_CUSTOMS_DECIDE = [
    "customs.decide_declaration",
    "customs.add_gatepassage",
    *(f"customs.{verb}_riskrule" for verb in ("add", "change", "delete")),
]

# Role -> "app_label.codename" permissions. Every permission of a model the role manages.
ROLE_PERMISSIONS = {
    ZONE_ADMIN: [
        *(
            f"zone.{verb}_{model}"
            for verb in ("add", "change", "delete", "view")
            for model in ("park", "site", "institution", "membership")
        ),
        *(f"customs.{verb}_checkpoint" for verb in ("add", "change", "delete", "view")),
        "customs.view_hscode",
        *(f"hetao.{verb}_{model}" for verb in ("add", "change", "view") for model in ("user", "apitoken")),
        "auth.view_group",
        "hetao.view_audit",
        *_WHITELIST_VIEW,
        *_WHITELIST_DECIDE,
        *_PEOPLE_DATA_VIEW,
        *_PEOPLE_DATA_DECIDE,
        "customs.view_passagecheck",
        *_CUSTOMS_VIEW,
        *_BATCH_FILE,
    ],
    WHITELIST_REVIEWER: [
        *_VIEW_REFERENCE,
        *_WHITELIST_VIEW,
        *_WHITELIST_DECIDE,
        *_PEOPLE_DATA_VIEW,
        *_PEOPLE_DATA_DECIDE,
    ],
    CUSTOMS_OFFICER: [
        *_VIEW_REFERENCE,
        "customs.change_checkpoint",
        *_PASSAGE,
        *_CUSTOMS_VIEW,
        *_CUSTOMS_DECIDE,
        *_BATCH_FILE,
    ],
    FUND_OFFICER: [*_VIEW_REFERENCE],
    PROJECT_OFFICER: [*_VIEW_REFERENCE, "zone.change_site"],
    AUDITOR: [
        *_VIEW_REFERENCE,
        *_WHITELIST_VIEW,
        *_PEOPLE_DATA_VIEW,
        "customs.view_passagecheck",
        *_CUSTOMS_VIEW,
        "hetao.view_apitoken",
        "hetao.view_user",
        "hetao.view_audit",
    ],
}


def sync_roles(apps, schema_editor=None):
    """Create the role groups and give each exactly the permissions listed above that exist in
    this state of the migrations; answers the ones that do not exist yet (none after the last)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    missing = []
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is None:
                # A model a later migration creates: the sync after that migration grants it.
                missing.append(dotted)
                continue
            wanted.append(permission)
        group.permissions.set(wanted)
    return sorted(set(missing))
