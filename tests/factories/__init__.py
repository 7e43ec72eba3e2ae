"""factory_boy factories for test data, one module per domain, saved through the app's
session. Import them from here: `from tests.factories import UserFactory`."""

from tests.factories.articles import *  # noqa: F403
from tests.factories.audit import *  # noqa: F403
from tests.factories.moderation import *  # noqa: F403
from tests.factories.quizzes import *  # noqa: F403
from tests.factories.rewards import *  # noqa: F403
from tests.factories.users import *  # noqa: F403
from tests.factories.zones import *  # noqa: F403
