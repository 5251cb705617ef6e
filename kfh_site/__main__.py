"""``python -m kfh_site``: the same command line as the ``kfh-site`` script."""

from kfh_site.cli import main

raise SystemExit(main())
