"""Render stage: result objects → documents for people (table, XLSX workbook, PDF
statements) or programs (JSON, CSV).

Display precision and locale live here, never in the numbers.
"""
