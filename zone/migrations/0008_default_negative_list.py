"""The default negative list of research-data exports (staff change it in the portal)."""

from django.db import migrations

DEFAULT_ENTRIES = [
    # category, min_records, min_persons, destinations, outcome, reason (en, zh-hans, zh-hant)
    (
        "human_genetic",
        None,
        None,
        "any",
        "assessment",
        "Human genetic resources information leaves the zone only after a security assessment.",
        "人类遗传资源信息出境须经安全评估。",
        "人類遺傳資源信息出境須經安全評估。",
    ),
    (
        "important",
        None,
        None,
        "any",
        "assessment",
        "Important data leaves the zone only after a security assessment.",
        "重要数据出境须经安全评估。",
        "重要數據出境須經安全評估。",
    ),
    (
        "sensitive_personal",
        None,
        10001,
        "any",
        "assessment",
        "Sensitive personal information of more than 10,000 persons needs a security assessment.",
        "涉及超过一万人的敏感个人信息出境须经安全评估。",
        "涉及超過一萬人的敏感個人信息出境須經安全評估。",
    ),
    (
        "sensitive_personal",
        None,
        None,
        "any",
        "filing_only",
        "Sensitive personal information of up to 10,000 persons is filed.",
        "涉及一万人以下的敏感个人信息出境实行备案。",
        "涉及一萬人以下的敏感個人信息出境實行備案。",
    ),
    (
        "personal",
        None,
        None,
        "abroad",
        "assessment",
        "Personal information sent outside Hong Kong needs a security assessment.",
        "个人信息传输至香港以外地区须经安全评估。",
        "個人信息傳輸至香港以外地區須經安全評估。",
    ),
    (
        "personal",
        None,
        None,
        "any",
        "filing_only",
        "Personal information sent to Hong Kong is filed.",
        "个人信息传输至香港实行备案。",
        "個人信息傳輸至香港實行備案。",
    ),
    (
        "general",
        None,
        None,
        "any",
        "filing_only",
        "General research data is filed.",
        "一般科研数据出境实行备案。",
        "一般科研數據出境實行備案。",
    ),
]


def seed(apps, schema_editor):
    NegativeListEntry = apps.get_model("zone", "NegativeListEntry")
    if NegativeListEntry.objects.exists():
        return
    for category, min_records, min_persons, destinations, outcome, en, hans, hant in DEFAULT_ENTRIES:
        NegativeListEntry.objects.create(
            category=category,
            min_records=min_records,
            min_persons=min_persons,
            destinations=destinations,
            outcome=outcome,
            name_en=en,
            name_zh_hans=hans,
            name_zh_hant=hant,
        )


class Migration(migrations.Migration):
    dependencies = [("zone", "0007_people_and_data_exports")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
