"""`python -m bot` is `civic-digest` (with no command: `civic-digest run`)."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
