"""Template helpers of the customs pages."""

from django import template

from ..services import slip_qr_svg

register = template.Library()


@register.filter
def slip_qr(declaration) -> str:
    """The release slip's QR code as a data: URI of an SVG image ("" before release)."""
    return slip_qr_svg(declaration)
