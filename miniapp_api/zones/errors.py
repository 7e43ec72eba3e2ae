"""The zones domain's errors, with API.md's codes."""

from __future__ import annotations

from miniapp_api.errors import AppError, ValidationFailed


class QrInvalid(AppError):
    status_code, error_code, message = 404, "QR_INVALID", "二维码无效，请让宣传员刷新后再扫"


class QrExpired(AppError):
    status_code, error_code, message = 410, "QR_EXPIRED", "二维码已过期，请让宣传员刷新后再扫"


class OutsideZone(AppError):
    status_code, error_code, message = 403, "OUTSIDE_ZONE", "您当前不在该宣传员的服务区域内"


class LocationInaccurate(AppError):
    status_code, error_code = 422, "LOCATION_INACCURATE"
    message = "定位不够准确，请到开阔处打开手机定位后重试"


class LocationImplausible(AppError):
    status_code, error_code = 422, "LOCATION_IMPLAUSIBLE"
    message = "定位变化异常，请稍后在现场重新扫码"


class AlreadyEnrolled(AppError):
    status_code, error_code, message = 409, "ALREADY_ENROLLED", "您已经是志愿者了"


class SelfEnrollment(AppError):
    status_code, error_code, message = 409, "SELF_ENROLLMENT", "不能扫描自己的二维码"


class NotPromoter(AppError):
    status_code, error_code, message = 403, "NOT_PROMOTER", "您还不是宣传员，请先申请"


class ApplicationPending(AppError):
    status_code, error_code = 409, "APPLICATION_PENDING"
    message = "您已有一份申请正在审核，请耐心等待"


class ApplicationDecided(AppError):
    status_code, error_code, message = 409, "APPLICATION_DECIDED", "该申请已经处理过了"


class EventNotOpen(AppError):
    status_code, error_code, message = 409, "EVENT_NOT_OPEN", "活动不在签到时间内"


class OutsideEvent(AppError):
    status_code, error_code, message = 403, "OUTSIDE_EVENT", "您不在活动现场范围内"


class EventOutsideZone(AppError):
    status_code, error_code = 422, "EVENT_OUTSIDE_ZONE"
    message = "活动范围必须在宣传员的服务区域内或与之相交"


class EventCancelled(AppError):
    status_code, error_code, message = 409, "EVENT_CANCELLED", "活动已取消"


class AlreadyCheckedInEvent(AppError):
    status_code, error_code, message = 409, "ALREADY_CHECKED_IN", "您已经在本次活动签到过了"


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={"json": {field: [message]}})
