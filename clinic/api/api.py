"""The JSON API: one NinjaAPI that mounts each app's router. Session auth with CSRF."""

from ninja import NinjaAPI
from ninja.security import SessionAuth

api = NinjaAPI(
    title="ketaclinic API",
    version="1",
    auth=SessionAuth(),
    docs_url="/docs",
)


@api.get("/health", auth=None, tags=["system"])
def health(request):
    """Liveness check for load balancers; touches no patient data."""
    return {"status": "ok"}
