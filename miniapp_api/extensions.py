"""Extensions, created unbound and bound to the app in `create_app`."""

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from miniapp_api.db import Base
from miniapp_api.errors import ApiErrorSchema
from miniapp_api.redis_store import RedisStore


class MiniappApi(Api):
    """flask-smorest Api whose documented error schema carries our `error` code."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        """Errors are handled by `errors.register_error_handlers` instead."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
api = MiniappApi()
limiter = Limiter(key_func=get_remote_address)
redis_store = RedisStore()
