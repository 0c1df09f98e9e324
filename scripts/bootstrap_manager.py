#!/usr/bin/env python3
"""Create the first manager. Thin wrapper over `privet-manager create-manager`.

Usage: scripts/bootstrap_manager.py --email a@b.ru --name "Имя" [--role admin] < password
"""

import sys

from privet_manager.cli import app

if __name__ == "__main__":
    sys.exit(app(["create-manager", *sys.argv[1:]]))
