"""/console/rewards: the reward catalogue (`admin`, as the admin API's catalogue): the list,
adding a reward and editing one (stock, points, on sale or withdrawn). Station admins, who
only hand rewards out, are sent to the pickup desk."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from miniapp_api.console import console_bp
from miniapp_api.console.auth import current_officer, officer_required
from miniapp_api.console.forms import error_fields, form_input, load, local_input
from miniapp_api.errors import AppError
from miniapp_api.rewards import admin_service
from miniapp_api.rewards.models import Reward
from miniapp_api.rewards.schemas import RewardInputSchema, RewardPatchSchema
from miniapp_api.storage import get_or_404

PER_PAGE = 20
FIELDS = {
    "texts": ("name", "description", "image_url"),
    "integers": ("points_cost", "stock", "per_user_limit"),
    "instants": ("starts_at", "ends_at"),
    "checkboxes": ("active",),
    "blank_is_none": ("image_url", "per_user_limit", "starts_at", "ends_at"),
}


def reward_values(form) -> dict:
    values = form_input(form, **FIELDS)
    values.setdefault("description", "")
    return values


def form_values(reward: Reward | None) -> dict:
    """The form's fields for a reward (empty ones for a new reward)."""
    if reward is None:
        return {"active": True, "per_user_limit": ""}
    return {
        "name": reward.name,
        "description": reward.description,
        "image_url": reward.image_url or "",
        "points_cost": reward.points_cost,
        "stock": reward.stock,
        "per_user_limit": reward.per_user_limit or "",
        "active": reward.active,
        "starts_at": local_input(reward.starts_at),
        "ends_at": local_input(reward.ends_at),
    }


@console_bp.get("/rewards")
@officer_required()
def rewards():
    """The catalogue for admins; a station admin's page is the pickup desk."""
    if not current_officer().has_role("admin"):
        return redirect(url_for("console.desk"))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = admin_service.all_rewards(page, PER_PAGE)
    return render_template("console/rewards/list.html", found=found, active_section="rewards")


def render_form(reward: Reward | None, values: dict, errors: dict, status: int = 200):
    page = render_template(
        "console/rewards/form.html",
        reward=reward,
        values=values,
        errors=errors,
        active_section="rewards",
    )
    return page, status


@console_bp.get("/rewards/new")
@officer_required("admin")
def new_reward():
    return render_form(None, form_values(None), {})


@console_bp.post("/rewards/new")
@officer_required("admin")
def create_reward():
    payload, errors = load(RewardInputSchema(), reward_values(request.form))
    if payload is not None:
        try:
            reward = admin_service.create_reward(payload, current_officer())
        except AppError as exc:
            errors = error_fields(exc)
        else:
            flash(f"已新增奖品“{reward.name}”。", "success")
            return redirect(url_for("console.rewards"))
    return render_form(None, request.form, errors, 422)


@console_bp.get("/rewards/<int:reward_id>")
@officer_required("admin")
def edit_reward(reward_id: int):
    reward = get_or_404(Reward, reward_id, "奖品不存在")
    return render_form(reward, form_values(reward), {})


@console_bp.post("/rewards/<int:reward_id>")
@officer_required("admin")
def update_reward(reward_id: int):
    reward = get_or_404(Reward, reward_id, "奖品不存在")
    values = reward_values(request.form)
    payload, errors = load(RewardPatchSchema(partial=True), values)
    if payload is not None:
        try:
            admin_service.update_reward(reward_id, payload, current_officer())
        except AppError as exc:
            errors = error_fields(exc)
        else:
            flash(f"已保存奖品“{reward.name}”。", "success")
            return redirect(url_for("console.rewards"))
    return render_form(reward, request.form, errors, 422)
