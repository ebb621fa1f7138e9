"""/v1/teams: which agents each team holds and which managers see their calls (admins)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from storage import audit
from storage.api_keys import ApiKey
from storage.teams import Team, delete_team, list_teams, put_team

from ..auth import actor, admin_only, origin
from ..schemas import ErrorOut

router = APIRouter(prefix="/v1/teams", tags=["teams"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 422)}


class TeamIn(BaseModel):
    agents: list[str] | None = Field(None, max_length=5000, description="Agent ids; omit to keep")
    managers: list[str] | None = Field(None, max_length=200, description="Manager usernames; omit to keep")


class TeamOut(BaseModel):
    id: int
    name: str
    agents: list[str]
    managers: list[str]


def _out(team: Team) -> TeamOut:
    return TeamOut(**asdict(team))


@router.get("", response_model=list[TeamOut], responses=ERRORS, dependencies=[Depends(admin_only)])
def teams(request: Request) -> list[TeamOut]:
    with request.app.state.services.db.session() as session:
        return [_out(t) for t in list_teams(session)]


@router.put("/{name}", response_model=TeamOut, responses=ERRORS)
def set_team(name: str, body: TeamIn, request: Request, key: ApiKey = Depends(admin_only)) -> TeamOut:
    """Create the team, or replace its agents and/or managers."""
    with request.app.state.services.db.session() as session:
        team = put_team(session, name, body.agents, body.managers)
        audit.record(
            session, actor(key), "team.set", name, body.model_dump(exclude_none=True), origin(request)
        )
    return _out(team)


@router.delete("/{name}", status_code=204, responses=ERRORS)
def remove_team(name: str, request: Request, key: ApiKey = Depends(admin_only)) -> Response:
    with request.app.state.services.db.session() as session:
        delete_team(session, name)
        audit.record(session, actor(key), "team.delete", name, {}, origin(request))
    return Response(status_code=204)
