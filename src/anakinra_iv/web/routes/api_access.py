"""Access endpoints of the API: sign out, change one's password, and (admin) disable, enable
or unlock a user. Signing out, a password change and disabling revoke every credential of the
user issued before."""

from __future__ import annotations

from fastapi import APIRouter, Response

from anakinra_iv.web.deps import CurrentUser, PathId, ServicesDep
from anakinra_iv.web.errors import ERROR_RESPONSES
from anakinra_iv.web.schemas.access import (
    PasswordChange,
    UnlockCreate,
    UnlockPublic,
    UserPublic,
    UserStatusChange,
)
from anakinra_iv.workflow import services

__all__ = ["router"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def sign_out(user: CurrentUser, app: ServicesDep) -> Response:
    """End every session and token of the signed-in user."""
    services.sign_out(app.new_uow(), user.user_id, app.now())
    return Response(status_code=204)


@router.post("/auth/password", status_code=204, tags=["auth"])
def change_password(body: PasswordChange, user: CurrentUser, app: ServicesDep) -> Response:
    """Change one's own password; every session and token is revoked (sign in again)."""
    services.change_password(
        app.new_uow(),
        user.user_id,
        body.current_password,
        body.new_password,
        app.hasher,
        app.policy,
        app.now(),
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/disable", tags=["users"])
def disable_user(
    user_id: PathId, body: UserStatusChange, user: CurrentUser, app: ServicesDep
) -> UserPublic:
    """Disable a user (admin); their sessions and tokens stop working at once."""
    view = services.set_user_active(
        app.new_uow(), user.user_id, user_id, False, body.reason, app.now()
    )
    return UserPublic.from_view(view)


@router.post("/users/{user_id}/enable", tags=["users"])
def enable_user(
    user_id: PathId, body: UserStatusChange, user: CurrentUser, app: ServicesDep
) -> UserPublic:
    """Enable a disabled user (admin)."""
    view = services.set_user_active(
        app.new_uow(), user.user_id, user_id, True, body.reason, app.now()
    )
    return UserPublic.from_view(view)


@router.post("/users/unlock", tags=["users"])
def unlock_user(body: UnlockCreate, user: CurrentUser, app: ServicesDep) -> UnlockPublic:
    """Lift the sign-in lock-outs of a user name at every client address (admin)."""
    cleared = services.unlock_user(app.new_uow(), user.user_id, body.username, app.now())
    return UnlockPublic(username=body.username, addresses_cleared=cleared)
