"""Demo data of the research-data export filings (a step of `manage.py seed_demo`): one filing of
general research data to the Hong Kong park, approved; one of human genetic resources information
for a partner abroad, waiting for its security assessment.

Both go through the services, like a real filing; each is keyed by the institution's own
reference, so seeding twice files nothing new and leaves no audit events behind.
"""

from datetime import timedelta

from django.utils import timezone

from . import services
from .demo import BIO_INSTITUTE, SZ_ENTERPRISE
from .models import DataExportFiling

APPROVED_REFERENCE = "DEMO-DX-QD-001"
PENDING_REFERENCE = "DEMO-DX-BIO-001"


def _missing(institution, reference: str) -> bool:
    return not DataExportFiling.objects.filter(institution=institution, reference=reference).exists()


def seed_data_exports(context) -> None:
    """Create the demo filings that are not there yet."""
    enterprise, institute = context.institutions[SZ_ENTERPRISE], context.institutions[BIO_INSTITUTE]
    filer, owner, reviewer = context.users["filer"], context.users["owner-bio"], context.users["reviewer"]
    today = timezone.localdate()
    label = DataExportFiling._meta.verbose_name_plural

    if _missing(enterprise, APPROVED_REFERENCE):
        filing = services.export_filing_create(
            institution=enterprise,
            actor=filer,
            reference=APPROVED_REFERENCE,
            title="Cryogenic qubit characterisation measurements",
            description="Time series of dilution-refrigerator measurements of superconducting qubit samples.",
            categories=["general"],
            record_count=250_000,
            person_count=0,
            destination="hk_park",
            recipient="Joint quantum devices laboratory, Hong Kong–Shenzhen Innovation and Technology Park",
            purpose="Joint analysis of device coherence with the Hong Kong laboratory.",
            channel="The zone's dedicated international data channel",
            security_measures="Encrypted transfer; access limited to the joint laboratory's named researchers.",
            period_start=today,
            period_end=today + timedelta(days=365),
        )
        services.export_filing_submit(filing_id=filing.pk, actor=filer)
        services.export_filing_approve(filing_id=filing.pk, actor=reviewer, note="Demo approval")
        context.count(label, True, True)

    if _missing(institute, PENDING_REFERENCE):
        filing = services.export_filing_create(
            institution=institute,
            actor=owner,
            reference=PENDING_REFERENCE,
            title="Whole-genome sequences of a cell-therapy cohort",
            description="De-identified sequencing data of 1,200 participants of a cell-therapy study.",
            categories=["human_genetic", "sensitive_personal"],
            record_count=1_200,
            person_count=1_200,
            destination="abroad",
            destination_country="GB",
            recipient="Partner genomics consortium, Cambridge",
            purpose="Joint variant analysis under the consortium's research agreement.",
            channel="The zone's dedicated international data channel",
            security_measures="De-identification before transfer; encrypted at rest and in transit; audit logs.",
            period_start=today,
            period_end=today + timedelta(days=180),
        )
        services.export_filing_submit(filing_id=filing.pk, actor=owner)
        context.count(label, True, True)
