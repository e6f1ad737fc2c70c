"""Read a page: clean the image, run the OCR engine, write the searchable PDF/A text layer."""
