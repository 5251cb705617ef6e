"""The validated table -> figures for every organisation, region and England, each year:
the figure types, the computation, and peer comparisons (ranks, medians, rates).
"""
