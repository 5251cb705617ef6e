"""New projects and the blank return a team sends to its services.
"""
