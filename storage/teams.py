"""Teams: the agents (telephony agent ids) in each, and the manager users who see their calls.

Who sees which calls is decided here, once, for every endpoint: admins and compliance officers see
all; a manager sees the calls of the agents in the teams they manage; an agent user sees their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import TeamError, TeamNotFound
from .tables import TeamAgentRow, TeamManagerRow, TeamRow, UserRow


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    agents: tuple[str, ...]
    managers: tuple[str, ...]  # usernames


def _team(session: Session, row: TeamRow) -> Team:
    agents = session.scalars(
        select(TeamAgentRow.agent_id).where(TeamAgentRow.team_id == row.id).order_by(TeamAgentRow.agent_id)
    )
    managers = session.scalars(
        select(UserRow.username)
        .join(TeamManagerRow, TeamManagerRow.user_id == UserRow.id)
        .where(TeamManagerRow.team_id == row.id)
        .order_by(UserRow.username)
    )
    return Team(row.id, row.name, tuple(agents), tuple(managers))


def _row(session: Session, name: str) -> TeamRow:
    row = session.scalar(select(TeamRow).where(TeamRow.name == name))
    if row is None:
        raise TeamNotFound(f"no team {name!r}")
    return row


def create_team(session: Session, name: str) -> Team:
    name = name.strip()
    if not name or len(name) > 128:
        raise TeamError("a team name is 1 to 128 characters")
    if session.scalar(select(TeamRow.id).where(TeamRow.name == name)) is not None:
        raise TeamError(f"team {name!r} exists already")
    row = TeamRow(name=name)
    session.add(row)
    session.flush()
    return _team(session, row)


def put_team(
    session: Session, name: str, agents: list[str] | None = None, managers: list[str] | None = None
) -> Team:
    """Create the team if it is new, then replace its agents and/or managers (None keeps a list)."""
    if session.scalar(select(TeamRow.id).where(TeamRow.name == name)) is None:
        create_team(session, name)
    return set_members(session, name, agents, managers)


def list_teams(session: Session) -> list[Team]:
    return [_team(session, row) for row in session.scalars(select(TeamRow).order_by(TeamRow.name))]


def get_team(session: Session, name: str) -> Team:
    return _team(session, _row(session, name))


def delete_team(session: Session, name: str) -> None:
    row = _row(session, name)
    session.execute(delete(TeamAgentRow).where(TeamAgentRow.team_id == row.id))
    session.execute(delete(TeamManagerRow).where(TeamManagerRow.team_id == row.id))
    session.delete(row)


def set_members(
    session: Session, name: str, agents: list[str] | None = None, managers: list[str] | None = None
) -> Team:
    """Replace the team's agents and/or managers (None leaves that list as it is)."""
    row = _row(session, name)
    if agents is not None:
        if any(not a.strip() or len(a) > 128 for a in agents):
            raise TeamError("an agent id is 1 to 128 characters")
        session.execute(delete(TeamAgentRow).where(TeamAgentRow.team_id == row.id))
        session.add_all(TeamAgentRow(team_id=row.id, agent_id=a.strip()) for a in sorted(set(agents)))
    if managers is not None:
        users = {
            u.username: u for u in session.scalars(select(UserRow).where(UserRow.username.in_(managers)))
        }
        for username in managers:
            user = users.get(username)
            if user is None:
                raise TeamError(f"no user {username!r}")
            if user.role != "manager":
                raise TeamError(
                    f"{username!r} is {'an' if user.role[0] in 'aeiou' else 'a'} {user.role}, not a manager"
                )
        session.execute(delete(TeamManagerRow).where(TeamManagerRow.team_id == row.id))
        session.add_all(TeamManagerRow(team_id=row.id, user_id=users[u].id) for u in sorted(set(managers)))
    session.flush()
    return _team(session, row)


def visible_agents(session: Session, user_id: int) -> frozenset[str] | None:
    """The agent ids whose calls this user may see; None means every call (admin, compliance)."""
    user = session.get(UserRow, user_id)
    if user is None:
        return frozenset()
    if user.role in ("admin", "compliance"):
        return None
    if user.role == "agent":
        return frozenset([user.agent_id]) if user.agent_id else frozenset()
    if user.role == "manager":
        return frozenset(
            session.scalars(
                select(TeamAgentRow.agent_id)
                .join(TeamManagerRow, TeamManagerRow.team_id == TeamAgentRow.team_id)
                .where(TeamManagerRow.user_id == user_id)
            )
        )
    return frozenset()
