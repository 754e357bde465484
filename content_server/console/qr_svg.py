"""A QR code as inline SVG (no image file, nothing from outside): the console shows a meeting's
sign-in link as a code, the way a phone will read it.

The picture holds only the code's modules; the text it encodes is not in the markup.
"""

from __future__ import annotations

from markupsafe import Markup


def qr_svg(text: str, label: str = "二维码") -> Markup:
    """``text`` as an SVG QR code (error correction M, a four-module quiet zone)."""
    from qrcode.constants import ERROR_CORRECT_M
    from qrcode.main import QRCode

    code = QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    cells = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    name = Markup.escape(label)
    return Markup(
        f'<svg class="qr" viewBox="0 0 {size} {size}" role="img" aria-label="{name}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{cells}" fill="#000"/></svg>'
    )
