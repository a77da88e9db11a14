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


# Reasons kept with a decision ------------------------------------------------------------------
# A rule engine (the negative list of data exports, the customs risk rules) stores each reason as
# {language: text} so that a decision reads the same later in every language, whatever the rule
# says by then.


def _portal_languages() -> list[str]:
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES]


def trilingual_reason(record) -> dict[str, str]:
    """A record's `name_*` texts as a stored reason; a missing Chinese text falls back on the other
    script, then on English (as `TrilingualNameMixin.name` does)."""
    en = record.name_en or ""
    hans = record.name_zh_hans or record.name_zh_hant or en
    hant = record.name_zh_hant or record.name_zh_hans or en
    texts = {"en": en, "zh-hans": hans, "zh-hant": hant}
    return {language: texts.get(language, en) for language in _portal_languages()}


def translated_reason(render) -> dict[str, str]:
    """A stored reason from a message of the catalogues: `render()` is called in each language."""
    reasons = {}
    for language in _portal_languages():
        with translation.override(language):
            reasons[language] = str(render())
    return reasons


def reason_in(reason: dict, language: str | None = None) -> str:
    """A stored reason ({language: text}) in `language` (default: the active one), else English."""
    from django.conf import settings

    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if not isinstance(reason, dict):
        return str(reason or "")
    return reason.get(language) or reason.get(settings.LANGUAGE_CODE) or next(iter(reason.values()), "")
