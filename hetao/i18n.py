"""Helpers for records that carry their own names in the three portal languages."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TrilingualNameMixin(models.Model):
    """Names in English, Simplified and Traditional Chinese; `name` follows the active language."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh_hans = models.CharField(_("name (简体中文)"), max_length=200, blank=True)
    name_zh_hant = models.CharField(_("name (繁體中文)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        language = translation.get_language() or "en"
        if language.startswith("zh"):
            preferred = self.name_zh_hant if language.endswith("hant") else self.name_zh_hans
            fallback = self.name_zh_hans if language.endswith("hant") else self.name_zh_hant
            return preferred or fallback or self.name_en
        return self.name_en


# Django's empty choice of select fields, new in Django 6.1 and not yet in its own Chinese
# catalogues: named here so the portal's catalogues translate it.
BLANK_CHOICE_LABEL = _("- Select an option -")
