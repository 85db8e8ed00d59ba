import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Long-lived objects loaded at start-up leave the garbage collector's working set, and full
# collections run less often: both cut latency spikes on the board and charting (bench/README.md).
gc.freeze()
gc.set_threshold(700, 10, 1000)
