import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ohms_site.settings.production")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
