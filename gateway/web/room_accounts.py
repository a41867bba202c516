"""The room page's "Show in account" form: which of the viewer's accounts lists the room.

Owns this one route. The rule (only one's own membership, only in one's own account) is
gateway.core.account_placement's; a room the viewer is not in answers 404, so ids cannot be
probed, and an account that is not theirs is refused with a message.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from gateway.core.account_placement import place_room_in_account
from gateway.core.errors import InvalidInput, NotFound
from gateway.web.context import row_id
from gateway.web.request_db import writing
from gateway.web.session_user import current_user, login_required

room_accounts = Blueprint("room_accounts", __name__)


@room_accounts.post("/rooms/<int:room_id>/account")
@login_required
def show_in_account(room_id: int) -> Response:
    user = current_user()
    account_id = request.form.get("account_id", type=row_id)
    try:
        if account_id is None:
            raise InvalidInput("Choose one of your accounts.")
        with writing() as db:
            membership = place_room_in_account(db, room_id, user.id, account_id)
    except NotFound:
        abort(404)
    except InvalidInput as error:
        flash(str(error), "error")
    else:
        account = next(a for a in user.accounts if a.id == membership.account_id)
        flash(f"Shown in your {account.kind.value} account.", "success")
    return redirect(url_for("rooms.room_page", room_id=room_id), 303)
