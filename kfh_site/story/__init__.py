"""Figures -> what each page and PDF says: sentences, tiles, tables, charts, the
number formats and the palette. Told once per page and used by the page, the PDF and
the downloads alike.
"""
