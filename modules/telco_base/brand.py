# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Brand colours that read.

A brand gives its colours; the web client also needs the colour of the text
written on them and a shade of the brand colour that reads on white (links,
icons).  Both are derived here from the relative luminance of WCAG 2."""
import re

from trytond import config

COLOR = re.compile(r'^#[0-9A-Fa-f]{6}$')
WHITE, BLACK = '#FFFFFF', '#000000'
# contrast of normal text on its background (WCAG 2, level AA)
TEXT_CONTRAST = 4.5
# The neutral brand of the platform's own screens and of a host that is no
# operator's: slate grey, no logo
PLATFORM_NAME = "Telco CRM"
PLATFORM_PRIMARY = '#37474F'
PLATFORM_SECONDARY = '#CFD8DC'
# the keys of a brand, all public (the login page shows them)
PUBLIC_KEYS = (
    'name', 'primary_color', 'secondary_color', 'text_color',
    'accent_color', 'logo')


def _rgb(color):
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def luminance(color):
    "Relative luminance of a #RRGGBB colour, 0 (black) to 1 (white)"
    def linear(channel):
        channel /= 255
        if channel <= 0.04045:
            return channel / 12.92
        return ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(c) for c in _rgb(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(color1, color2):
    "Contrast ratio of two colours, 1 to 21"
    light, dark = sorted([luminance(color1), luminance(color2)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color(background):
    "Black or white, whichever reads better on the background"
    if contrast(background, BLACK) > contrast(background, WHITE):
        return BLACK
    return WHITE


def accent_color(color, background=WHITE, ratio=TEXT_CONTRAST):
    """The colour, darkened just enough to read on the background (links,
    icons and outlines on the white of the forms)"""
    red, green, blue = _rgb(color)
    for step in range(21):
        factor = 1 - step / 20
        shade = '#%02X%02X%02X' % tuple(
            round(c * factor) for c in (red, green, blue))
        if contrast(shade, background) >= ratio:
            return shade
    return BLACK


def brand(name, primary, secondary, logo=None):
    "The public brand: the name, the colours and the logo (a data URI)"
    primary = (primary if primary and COLOR.match(primary)
        else PLATFORM_PRIMARY).upper()
    secondary = (secondary if secondary and COLOR.match(secondary)
        else text_color(primary)).upper()
    return {
        'name': name,
        'primary_color': primary,
        'secondary_color': secondary,
        'text_color': text_color(primary),
        'accent_color': accent_color(primary),
        'logo': logo,
        }


def platform_brand():
    "The neutral brand of the platform"
    return brand(
        config.get('telco', 'platform_name', default=PLATFORM_NAME),
        PLATFORM_PRIMARY, PLATFORM_SECONDARY)
