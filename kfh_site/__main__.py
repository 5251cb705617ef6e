from kfh_site.cli import main

raise SystemExit(main())
