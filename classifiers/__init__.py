"""Say what a document is (its type, certified copy or not) and read its key fields,
from OCR text and page marks."""
