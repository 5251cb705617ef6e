"""The site's pages: the page plans, Jinja rendering, Markdown content pages and their
extensions, and content images.
"""
