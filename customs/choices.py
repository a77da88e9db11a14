"""The vocabulary of customs declarations: directions, transport modes, item categories, units,
currencies, and what the rule engine decides (regime, lane).

Plain choices without a database, shared by the models, the rule engine, the forms and the API.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INTO_PARK = "into_park", _("Into the park")
    OUT_OF_PARK = "out_of_park", _("Out of the park")


class TransportMode(models.TextChoices):
    VEHICLE = "vehicle", _("Vehicle")
    HAND_CARRY = "hand_carry", _("Hand-carried")
    POST = "post", _("Post or courier")
    OTHER = "other", _("Pipeline or other")


class ItemCategory(models.TextChoices):
    GENERAL = "general", _("General goods")
    RESEARCH_MATERIAL = "research_material", _("Research material")
    INSTRUMENT = "instrument", _("Instrument")
    REAGENT_CONSUMABLE = "reagent_consumable", _("Reagent or consumable")
    SAMPLE = "sample", _("Sample")
    SPECIAL_ITEM = "special_item", _("Special item (microbes, tissue, blood, biologicals)")
    HUMAN_GENETIC_RESOURCE = "human_genetic_resource", _("Human genetic resource")
    HAZARDOUS_CHEMICAL = "hazardous_chemical", _("Hazardous chemical")
    DUAL_USE = "dual_use", _("Dual-use item")


# Categories that cross only with a permit (the seeded rules refuse them without one).
CONTROLLED_CATEGORIES = (
    ItemCategory.SPECIAL_ITEM,
    ItemCategory.HUMAN_GENETIC_RESOURCE,
    ItemCategory.HAZARDOUS_CHEMICAL,
    ItemCategory.DUAL_USE,
)
# What a designated carrier may hand-carry through the No. 1 Channel.
HAND_CARRY_CATEGORIES = (ItemCategory.INSTRUMENT, ItemCategory.REAGENT_CONSUMABLE, ItemCategory.SAMPLE)


class Unit(models.TextChoices):
    KG = "kg", _("kilogram")
    G = "g", _("gram")
    L = "l", _("litre")
    ML = "ml", _("millilitre")
    PCS = "pcs", _("piece")
    SET = "set", _("set")
    BOX = "box", _("box")
    PAIR = "pair", _("pair")
    M = "m", _("metre")
    M2 = "m2", _("square metre")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    HKD = "HKD", _("Hong Kong dollar")
    USD = "USD", _("US dollar")


class Regime(models.TextChoices):
    FILING_ONLY = "filing_only", _("Filing only")
    STANDARD = "standard_declaration", _("Standard declaration")
    IMPORT = "import_declaration", _("Import declaration")
    FREE_MOVEMENT = "free_movement", _("Free movement")


class Lane(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


LANE_SEVERITY = {Lane.GREEN: 0, Lane.YELLOW: 1, Lane.RED: 2}


class Condition(models.TextChoices):
    """A yes / no / either condition of a risk rule."""

    ANY = "any", _("Either")
    YES = "yes", _("Yes")
    NO = "no", _("No")
