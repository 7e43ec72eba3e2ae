"""Content administration, re-exported from its modules: articles (`article_admin`,
`admin` only), alerts (`alert_admin`: an `admin` any, a `station_admin` the local
warnings of its zones) and fraud types (`categories_admin`, `admin` only). Every write
is audited."""

from miniapp_api.articles.alert_admin import (
    admin_alerts,
    archive_alert,
    create_alert,
    get_alert,
    replace_alert,
)
from miniapp_api.articles.article_admin import (
    admin_articles,
    archive_article,
    create_article,
    get_article,
    publish_article,
    update_article,
)
from miniapp_api.articles.categories_admin import (
    AdminCategory,
    SlugTaken,
    admin_categories,
    create_category,
    get_category,
    update_category,
)

__all__ = [
    "AdminCategory",
    "SlugTaken",
    "admin_alerts",
    "admin_articles",
    "admin_categories",
    "archive_alert",
    "archive_article",
    "create_alert",
    "create_article",
    "create_category",
    "get_alert",
    "get_article",
    "get_category",
    "publish_article",
    "replace_alert",
    "update_article",
    "update_category",
]
