"""``python -m studio`` is the ``tinyml-studio`` command."""

from studio.cli.main import main

raise SystemExit(main())
