"""Return files (CSV or XLSX) -> one validated table: the data contract (columns, headers,
regions, years), the workbook reader and the checks.
"""
