import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
_site = get_wsgi_application()

from oneway.core.bodygate import BodyGate  # noqa: E402 (needs Django set up)
from oneway.uploads.lane import with_uploads_lane  # noqa: E402

# tus uploads take a handler with a short middleware stack (see oneway/uploads/lane.py);
# slow request bodies cannot take every thread (see oneway/core/bodygate.py).
application = BodyGate(with_uploads_lane(_site))
