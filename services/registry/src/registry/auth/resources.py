"""POST /auth/token: exchange a username and password for a short-lived bearer token."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from registry.auth.principal import require_roles
from registry.auth.schemas import TokenRequestSchema, TokenSchema, VolunteerTokenRequestSchema
from registry.auth.service import check_credentials, token_community_ids, volunteer_user
from registry.auth.tokens import issue_token
from registry.db import db
from registry.i18n import t

blp = Blueprint("Auth", __name__, url_prefix="/auth", description="登录令牌 Access tokens")


@blp.route("/token")
class Token(MethodView):
    """Access tokens."""

    @blp.doc(security=[])
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误 Wrong credentials")
    def post(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Issue a bearer token for a user or a service."""
        user = check_credentials(db.session, credentials["username"], credentials["password"])
        if user is None:
            abort(401, message=t("bad_credentials"))
            raise AssertionError("abort raises")
        return _token_for(user)


@blp.route("/volunteer-token")
class VolunteerToken(MethodView):
    """Volunteer tokens for the web portal."""

    @blp.arguments(VolunteerTokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(403, description="仅限服务账号 Services only")
    @blp.alt_response(404, description="无此志愿者 Unknown or inactive volunteer")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Issue a volunteer's own token to a service (the portal, after checking a signed
        response link): the same token a volunteer gets by logging in."""
        require_roles("service")
        user = volunteer_user(db.session, body["volunteer_id"])
        if user is None:
            abort(404, message=t("404"))
            raise AssertionError("abort raises")
        answer = _token_for(user)
        db.session.commit()
        return answer


def _token_for(user: Any) -> dict[str, Any]:
    """The bearer token answer for a user, with the scope claims the other services read."""
    token, ttl = issue_token(
        user.id,
        user.role,
        current_app.config,
        community_ids=token_community_ids(db.session, user),
        volunteer_id=user.volunteer_id,
    )
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "role": user.role}
