"""Render stage: result objects → text for people (table) or programs (JSON, CSV).

Display precision and locale live here, never in the numbers.
"""
