"""Images of the scannable codes (zxing-cpp writes the symbol, Pillow the PNG).

The bag code is a GS1 DataMatrix carrying the element string ``(91)<code>`` (application
identifier 91, company internal information), or a plain Code 128 where the site chooses
(``ANAKINRA_BARCODE_SYMBOLOGY=code128``); the wristband code is a DataMatrix (Code 128 with the
same setting). Pages embed the PNG as a ``data:`` URI, which the Content-Security-Policy allows
(``img-src 'self' data:``); no script draws anything.
"""

from __future__ import annotations

import base64
import io
from typing import Final, Literal

from anakinra_iv.compounding.codes import to_gs1_element_string

__all__ = ["SYMBOLOGIES", "Symbology", "create_code_png", "create_data_uri"]

Symbology = Literal["gs1-datamatrix", "code128"]
SYMBOLOGIES: Final[tuple[Symbology, ...]] = ("gs1-datamatrix", "code128")

_SCALE: Final = {"datamatrix": 6, "code128": 3}
"""Pixels per module: a 6-pixel DataMatrix module prints at about 0.5 mm at 300 dpi."""


def create_code_png(code: str, symbology: Symbology, *, bag: bool) -> bytes:
    """The PNG of ``code``: a bag (GS1 element string in a DataMatrix) or a wristband."""
    import numpy as np
    import zxingcpp
    from PIL import Image

    if symbology == "code128":
        barcode = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.Code128)
        scale = _SCALE["code128"]
    elif bag:
        barcode = zxingcpp.create_barcode(
            to_gs1_element_string(code), zxingcpp.BarcodeFormat.DataMatrix, gs1=True
        )
        scale = _SCALE["datamatrix"]
    else:
        barcode = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.DataMatrix)
        scale = _SCALE["datamatrix"]
    pixels = np.asarray(barcode.to_image(scale=scale, add_quiet_zones=True))
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def create_data_uri(code: str, symbology: Symbology, *, bag: bool) -> str:
    """The PNG of ``code`` as a ``data:image/png;base64,...`` URI for an ``<img>``."""
    png = create_code_png(code, symbology, bag=bag)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
