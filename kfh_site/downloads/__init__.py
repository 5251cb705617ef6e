"""The open data: the statistics tables (CSV and JSON), a format-neutral spreadsheet model,
the statistics workbook and the ODS writer.
"""
