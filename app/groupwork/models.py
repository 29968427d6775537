"""Models of 研修会議Ⅱ groupwork: both halves, imported so Alembic and the app see them."""

from app.groupwork.assignment_models import *  # noqa: F403
from app.groupwork.table_models import *  # noqa: F403
