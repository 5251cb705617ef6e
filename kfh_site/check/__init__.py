"""kfh-site check: the pre-publish checks of a built site (links, HTML, PDFs' tags), axe-core
in headless Chromium, and what passed before.
"""
