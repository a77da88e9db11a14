"""The default risk rule set of customs declarations (officers change it in the portal), as
version 1 of the rule set."""

from django.db import migrations

CONTROLLED = ["special_item", "human_genetic_resource", "hazardous_chemical", "dual_use"]
SPECIAL = ["special_item", "human_genetic_resource"]
# Permits are checked where goods cross a line; inside the park they move freely.
LINES_CROSSED = ["first", "second"]
HAND_CARRIED = ["instrument", "reagent_consumable", "sample"]

# Each rule: its conditions and outcome (fields of RiskRule), and its reason in three languages.
DEFAULT_RULES = [
    {
        "priority": 10,
        "lines": LINES_CROSSED,
        "categories": CONTROLLED,
        "permit": "no",
        "refuse": True,
        "permit_required": True,
        "name_en": "Special items, human genetic resources, hazardous chemicals and dual-use items cross only "
        "with a permit: give the permit reference.",
        "name_zh_hans": "特殊物品、人类遗传资源、危险化学品和两用物项须凭许可证通关：请填写许可证编号。",
        "name_zh_hant": "特殊物品、人類遺傳資源、危險化學品和兩用物項須憑許可證通關：請填寫許可證編號。",
    },
    {
        "priority": 20,
        "transport_modes": ["hand_carry"],
        "checkpoint_hand_carry": "no",
        "refuse": True,
        "name_en": "Research goods are hand-carried only through the No. 1 Channel.",
        "name_zh_hans": "科研物资只能经一号通道随身携带。",
        "name_zh_hant": "科研物資只能經一號通道隨身攜帶。",
    },
    {
        "priority": 21,
        "transport_modes": ["hand_carry"],
        "designated_carrier": "no",
        "refuse": True,
        "name_en": "Only a designated carrier of the filing institution may hand-carry research goods.",
        "name_zh_hans": "只有申报机构的指定携带人可以随身携带科研物资。",
        "name_zh_hant": "只有申報機構的指定攜帶人可以隨身攜帶科研物資。",
    },
    {
        "priority": 22,
        "transport_modes": ["hand_carry"],
        "categories": HAND_CARRIED,
        "categories_excluded": True,
        "refuse": True,
        "name_en": "Only instruments, reagents and consumables, and samples may be hand-carried.",
        "name_zh_hans": "只有仪器、试剂耗材和样品可以随身携带。",
        "name_zh_hant": "只有儀器、試劑耗材和樣品可以隨身攜帶。",
    },
    {
        "priority": 30,
        "lines": LINES_CROSSED,
        "categories": SPECIAL,
        "permit": "yes",
        "scopes_all": ["special_items"],
        "lane": "yellow",
        "permit_required": True,
        "name_en": "Special items with a permit, filed by an institution whitelisted for special items, get "
        "priority review.",
        "name_zh_hans": "持许可证、由特殊物品白名单机构申报的特殊物品优先审核。",
        "name_zh_hant": "持許可證、由特殊物品白名單機構申報的特殊物品優先審核。",
    },
    {
        "priority": 31,
        "lines": LINES_CROSSED,
        "categories": SPECIAL,
        "permit": "yes",
        "scopes_missing": ["special_items"],
        "lane": "red",
        "permit_required": True,
        "name_en": "Special items of an institution not whitelisted for special items are inspected.",
        "name_zh_hans": "未列入特殊物品白名单的机构申报的特殊物品须查验。",
        "name_zh_hant": "未列入特殊物品白名單的機構申報的特殊物品須查驗。",
    },
    {
        "priority": 32,
        "lines": LINES_CROSSED,
        "categories": ["hazardous_chemical", "dual_use"],
        "permit": "yes",
        "lane": "yellow",
        "permit_required": True,
        "name_en": "Hazardous chemicals and dual-use items are checked against their permit.",
        "name_zh_hans": "危险化学品和两用物项须核对许可证。",
        "name_zh_hant": "危險化學品和兩用物項須核對許可證。",
    },
    {
        "priority": 40,
        "lines": ["first"],
        "scopes_all": ["goods"],
        "regime": "filing_only",
        "lane": "green",
        "name_en": "First line, institution whitelisted for research goods: filing only.",
        "name_zh_hans": "一线，白名单科研物资机构：仅需备案。",
        "name_zh_hant": "一線，白名單科研物資機構：僅需備案。",
    },
    {
        "priority": 41,
        "lines": ["first"],
        "scopes_missing": ["goods"],
        "regime": "standard_declaration",
        "lane": "yellow",
        "name_en": "First line, institution not whitelisted for research goods on the planned date: standard "
        "declaration.",
        "name_zh_hans": "一线，机构在计划日期未列入科研物资白名单：按一般方式申报。",
        "name_zh_hant": "一線，機構在計劃日期未列入科研物資白名單：按一般方式申報。",
    },
    {
        "priority": 50,
        "lines": ["second"],
        "directions": ["out_of_park"],
        "regime": "import_declaration",
        "lane": "yellow",
        "name_en": "Second line, out of the park into the mainland: import declaration.",
        "name_zh_hans": "二线，出园区进入内地：办理进口申报。",
        "name_zh_hant": "二線，出園區進入內地：辦理進口申報。",
    },
    {
        "priority": 51,
        "lines": ["second"],
        "directions": ["into_park"],
        "regime": "standard_declaration",
        "lane": "green",
        "name_en": "Second line, from the mainland into the park: standard declaration.",
        "name_zh_hans": "二线，由内地进入园区：按一般方式申报。",
        "name_zh_hant": "二線，由內地進入園區：按一般方式申報。",
    },
    {
        "priority": 60,
        "lines": ["internal"],
        "regime": "free_movement",
        "lane": "green",
        "name_en": "Inside the park: goods move freely.",
        "name_zh_hans": "园区内：货物自由流动。",
        "name_zh_hant": "園區內：貨物自由流動。",
    },
]

SNAPSHOT_FIELDS = [
    "priority",
    "lines",
    "directions",
    "transport_modes",
    "scopes_all",
    "scopes_missing",
    "checkpoint_hand_carry",
    "designated_carrier",
    "categories",
    "categories_excluded",
    "hs_prefixes",
    "origins",
    "currencies",
    "min_value",
    "max_value",
    "permit",
    "regime",
    "lane",
    "permit_required",
    "refuse",
    "active",
    "name_en",
    "name_zh_hans",
    "name_zh_hant",
]


def seed(apps, schema_editor):
    RiskRule = apps.get_model("customs", "RiskRule")
    RuleSetVersion = apps.get_model("customs", "RuleSetVersion")
    if RiskRule.objects.exists():
        return
    rules = [RiskRule.objects.create(**values) for values in DEFAULT_RULES]
    snapshot = []
    for rule in rules:
        fields = {name: getattr(rule, name) for name in SNAPSHOT_FIELDS}
        snapshot.append(
            {"id": rule.pk, **{k: (str(v) if v is not None and k.endswith("_value") else v) for k, v in fields.items()}}
        )
    RuleSetVersion.objects.create(number=1, rules=snapshot, change="initial")


class Migration(migrations.Migration):
    dependencies = [("customs", "0005_risk_rules_declarations_stock")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
