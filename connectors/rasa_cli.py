"""`rasa` with the environment's warning filter kept: what `make` and the Procfile run.

Rasa 3.6's dependencies print pages of deprecation warnings at start-up, and sanic turns
DeprecationWarning back on ("once") when it is imported, which defeats `PYTHONWARNINGS=ignore`.
This entry point imports sanic first and then re-applies the filter before Rasa imports the
rest, so logs stay quiet by default. `PYTHONWARNINGS=default make run` shows them all.

    .venv-bot/bin/python -m connectors.rasa_cli run --model models ...
"""

from __future__ import annotations

import os
import sys
import warnings


def main() -> None:
    """Run the Rasa CLI (arguments from `sys.argv`), quiet unless warnings were asked for."""
    if os.environ.get("PYTHONWARNINGS", "ignore") == "ignore":
        os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        warnings.simplefilter("ignore")
        import sanic  # noqa: F401  (installs its "once" DeprecationWarning filter)

        warnings.simplefilter("ignore")
        # Rasa later re-enables UserWarning ("once"); matplotlib's pyparsing deprecations are
        # UserWarnings raised on first import, so that import happens here, under "ignore"
        import matplotlib.pyplot  # noqa: F401
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"  # its usage lines name the command people know
    rasa_main()


if __name__ == "__main__":
    main()
