"""The review queue: officers list the texts WeChat held (or could not judge yet) in
their zones, and clear or reject them; both decisions are audited. A review is decided
once, even by parallel officers."""

from __future__ import annotations

from sqlalchemy import select, update

from miniapp_api.audit.service import audited, record
from miniapp_api.errors import Conflict
from miniapp_api.moderation.models import CLEARED, OPEN, REJECTED, ContentReview
from miniapp_api.moderation.service import reject_subject
from miniapp_api.storage import Page, db, get_or_404, paginate
from miniapp_api.timeutil import utcnow
from miniapp_api.users.models import User
from miniapp_api.users.reach import reach_of

NOT_FOUND = "审核记录不存在"


class ReviewDecided(Conflict):
    error_code, message = "REVIEW_DECIDED", "该内容已经审核过了"


def reviews(officer: User, status: str | None, page: int, per_page: int) -> Page:
    """Reviews in the officer's zones (a text without a zone: admins only), oldest first."""
    query = select(ContentReview).where(reach_of(officer).where(ContentReview.zone_id))
    if status:
        query = query.where(ContentReview.status == status)
    return paginate(query.order_by(ContentReview.id), page, per_page)


@audited
def clear_review(review_id: int, officer: User) -> ContentReview:
    """The text may be shown to everyone."""
    return _decide(review_id, CLEARED, officer)


@audited
def reject_review(review_id: int, officer: User) -> ContentReview:
    """The text is withdrawn: a nickname becomes the placeholder, an event is cancelled,
    an organisation is replaced."""
    row = _decide(review_id, REJECTED, officer)
    reject_subject(row)
    return row


def _decide(review_id: int, status: str, officer: User) -> ContentReview:
    row = get_or_404(ContentReview, review_id, NOT_FOUND)
    reach_of(officer).require(row.zone_id, NOT_FOUND)
    before = row.status
    decided = db.session.execute(
        update(ContentReview)
        .where(ContentReview.id == row.id, ContentReview.status.in_(OPEN))
        .values(status=status, decided_at=utcnow(), decided_by_id=officer.id)
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:
        raise ReviewDecided()
    db.session.refresh(row)
    action = "clear" if status == CLEARED else "reject"
    record(
        officer,
        f"content_review.{action}",
        "content_review",
        row.id,
        zone_id=row.zone_id,
        changes={"status": [before, status]},
    )
    return row
