"""Benchmarks: sohoa's OCR measured against OCRmyPDF and raw Tesseract on the same pages.

The entry point is the ``bench/run`` script; this package holds its parts so each can
be read, and tested, on its own.
"""
