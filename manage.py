#!/usr/bin/env python
"""Django's command-line utility for the OHMS suite.

`site/` holds the project package (`ohms_site`); it is put on the import path here
rather than being a package itself, because a package named `site` would shadow the
standard library module of that name.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main():
    sys.path.insert(0, str(ROOT / "site"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ohms_site.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
