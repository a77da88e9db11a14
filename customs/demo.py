"""Customs' part of the demo data (`manage.py seed_demo`): the real checkpoints of the Shenzhen
park, and the HS 2022 nomenclature when it is missing."""

from django.utils.translation import gettext as _

from hetao.demo import upsert

from .hs import load_nomenclature
from .models import Checkpoint, HsCode, Line
from .services import checkpoint_save

CHECKPOINTS = [
    ("HT-NO1", Line.FIRST, True, "No. 1 Channel", "一号通道", "一號通道"),
    ("HT-F1-CARGO", Line.FIRST, False, "First-line cargo checkpoint", "一线货物卡口", "一線貨物卡口"),
    ("HT-L2-FUTIAN", Line.SECOND, False, "Second-line checkpoint (Futian)", "二线卡口（福田）", "二線卡口（福田）"),
    ("HT-INT", Line.INTERNAL, False, "Internal transfer point", "园区内部转移监管点", "園區內部轉移監管點"),
]


def seed_customs(context) -> None:
    """Create or refresh the checkpoints (in the Shenzhen park the zone's demo step made)."""
    for code, line, hand_carry, name_en, name_zh_hans, name_zh_hant in CHECKPOINTS:
        values = {
            "park": context.parks["SZ"],
            "line": line,
            "hand_carry": hand_carry,
            "active": True,
            "name_en": name_en,
            "name_zh_hans": name_zh_hans,
            "name_zh_hant": name_zh_hant,
        }
        _checkpoint, created, changed = upsert(Checkpoint, {"code": code}, values, checkpoint_save)
        context.count(Checkpoint._meta.verbose_name_plural, created, changed)
    context.notes.append(_("HS 2022 nomenclature: %(count)d codes loaded.") % {"count": load_nomenclature(HsCode)})
