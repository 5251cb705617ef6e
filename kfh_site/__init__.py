"""kfh-site: publish the annual report of NHS library and knowledge services."""

__version__ = "0.1.0"
