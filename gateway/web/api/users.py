"""API operations on users and their accounts: create, read, update, deactivate, and which
account's inbox lists a room for a member."""

from __future__ import annotations

from gateway.core.account_placement import place_room_in_account
from gateway.core.users import (
    add_account,
    add_user,
    deactivate_user,
    get_user,
    reactivate_user,
    update_user,
)
from gateway.core.users import list_users as find_users
from gateway.store.models import Account, User
from gateway.web.api.operations import Call, operation
from gateway.web.api.schemas import (
    AccountCreate,
    AccountList,
    AccountOut,
    AccountPlacement,
    AccountPlacementOut,
    UserCreate,
    UserList,
    UserOut,
    UserQuery,
    UserUpdate,
)

TAG = "Users"


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.display_name,
        time_zone=user.time_zone,
        created_at=user.created_at,
        deactivated_at=user.deactivated_at,
        accounts=accounts_out(user),
    )


def accounts_out(user: User) -> list[AccountOut]:
    """The user's accounts, oldest first."""
    return [account_out(a) for a in sorted(user.accounts, key=lambda a: a.id)]


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id, kind=account.kind, name=account.name, created_at=account.created_at
    )


@operation(
    "POST",
    "/users",
    summary="Create a user, with one account",
    tag=TAG,
    status=201,
    body=UserCreate,
    response=UserOut,
    errors=(409, 422),
    links={
        name: {"user_id": "$response.body#/id"}
        for name in (
            "read_user",
            "change_user",
            "deactivate",
            "reactivate",
            "list_accounts",
            "create_account",
            "send_alert",
        )
    },
)
def create_user(call: Call) -> UserOut:
    new: UserCreate = call.body
    user = add_user(
        call.db,
        new.email,
        now=call.now,
        name=new.name,
        time_zone=new.time_zone,
        account_kind=new.account_kind,
    )
    return user_out(user)


@operation(
    "GET",
    "/users",
    summary="List users by id, or find one by email address",
    tag=TAG,
    query=UserQuery,
    response=UserList,
    errors=(422,),
)
def list_users(call: Call) -> UserList:
    query: UserQuery = call.query
    users = find_users(call.db, after_id=query.after_id, limit=query.limit + 1, email=query.email)
    page = users[: query.limit]
    return UserList(
        users=[user_out(u) for u in page],
        next_after_id=page[-1].id if len(users) > query.limit else None,
    )


@operation(
    "GET",
    "/users/{user_id}",
    summary="Read a user",
    tag=TAG,
    response=UserOut,
    errors=(404,),
)
def read_user(call: Call) -> UserOut:
    return user_out(get_user(call.db, call.params["user_id"]))


@operation(
    "PATCH",
    "/users/{user_id}",
    summary="Change a user's address, name or time zone",
    tag=TAG,
    body=UserUpdate,
    response=UserOut,
    errors=(404, 409, 422),
)
def change_user(call: Call) -> UserOut:
    change: UserUpdate = call.body
    user = update_user(
        call.db,
        call.params["user_id"],
        email=change.email,
        name=change.name,
        time_zone=change.time_zone,
    )
    return user_out(user)


@operation(
    "POST",
    "/users/{user_id}/deactivate",
    summary="Deactivate a user: signed out, no sign-in, no email, no posting; history kept",
    tag=TAG,
    response=UserOut,
    errors=(404,),
)
def deactivate(call: Call) -> UserOut:
    return user_out(deactivate_user(call.db, call.params["user_id"], now=call.now))


@operation(
    "POST",
    "/users/{user_id}/reactivate",
    summary="Reactivate a deactivated user",
    tag=TAG,
    response=UserOut,
    errors=(404,),
)
def reactivate(call: Call) -> UserOut:
    return user_out(reactivate_user(call.db, call.params["user_id"]))


@operation(
    "GET",
    "/users/{user_id}/accounts",
    summary="List a user's accounts",
    tag=TAG,
    response=AccountList,
    errors=(404,),
)
def list_accounts(call: Call) -> AccountList:
    user = get_user(call.db, call.params["user_id"])
    return AccountList(accounts=accounts_out(user))


@operation(
    "POST",
    "/users/{user_id}/accounts",
    summary="Give a user a further account (one of each kind)",
    tag=TAG,
    status=201,
    body=AccountCreate,
    response=AccountOut,
    errors=(404, 409, 422),
)
def create_account(call: Call) -> AccountOut:
    new: AccountCreate = call.body
    return account_out(
        add_account(call.db, call.params["user_id"], new.kind, new.name, now=call.now)
    )


@operation(
    "PUT",
    "/rooms/{room_id}/members/{user_id}/account",
    summary="Show a room in one of the member's own accounts (freelancer, client, agency)",
    tag=TAG,
    body=AccountPlacement,
    response=AccountPlacementOut,
    errors=(404, 422),
)
def place_in_account(call: Call) -> AccountPlacementOut:
    placement: AccountPlacement = call.body
    membership = place_room_in_account(
        call.db, call.params["room_id"], call.params["user_id"], placement.account_id
    )
    assert membership.account_id is not None  # just placed
    return AccountPlacementOut(
        room_id=membership.room_id, user_id=membership.user_id, account_id=membership.account_id
    )
