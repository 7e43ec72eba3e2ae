"""Third-party Flask extensions, created unbound and bound to the app in `create_app`.

Nothing from the app is imported here, so any module may import these objects.
The database (`storage.db`), Redis (`redis_store`) and the OpenAPI document
(`openapi.init_api`, one per app) have modules of their own.
"""

from flask_caching import Cache
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
# Public reads' shared answers, in each worker's memory (response_cache.py).
cache = Cache()
# The console's forms carry CSRF tokens; the JSON API, which uses bearer tokens, is exempt.
csrf = CSRFProtect()
jwt = JWTManager()
# The abuse limits (limits.py). Retry-After is set on 429 answers only
# (errors.handle_rate_limited); with Redis unreachable or hung (half a second at most),
# each worker counts in its own memory: never an error, never no limit.
limiter = Limiter(
    key_func=get_remote_address,
    headers_enabled=False,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    storage_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
)
