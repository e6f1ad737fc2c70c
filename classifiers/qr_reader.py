"""QR codes on the page: the chip ID cards carry their holder's data in one.

The payload (``ID12|CMND9|NAME|DDMMYYYY|Sex|Address|DDMMYYYY``) is more
reliable than OCR of the small card print, so when a QR is readable its values
win (``classifiers.fields`` cross-checks them against the printed text).
zxing-cpp reads QR codes in any rotation and in photocopies; it is given the
page in grey, which is what it binarises anyway.
"""

from __future__ import annotations

import unicodedata

import zxingcpp
from PIL import Image


def read_qr_payloads(image: Image.Image) -> list[str]:
    """Texts of the QR codes readable on the page, NFC, in zxing's order."""
    grey = image.convert("L")
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    return [unicodedata.normalize("NFC", barcode.text) for barcode in found if barcode.text]
