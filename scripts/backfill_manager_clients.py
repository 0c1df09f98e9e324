#!/usr/bin/env python3
"""Create missing client cards. Thin wrapper over `privet-manager backfill-clients`."""

import sys

from privet_manager.cli import app

if __name__ == "__main__":
    sys.exit(app(["backfill-clients", *sys.argv[1:]]))
