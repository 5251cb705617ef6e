"""The site search: the text each page offers, and Pagefind's index made from it.
"""
