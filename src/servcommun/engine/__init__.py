"""Compute stage: pure functions from validated models to result objects.

Nothing here prints, reads files, exits or looks at the clock.
"""
