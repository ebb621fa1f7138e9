"""Who is the agent and who the customer, decided in one place: on a two-channel call by the channel
map, on a mono call by an enrolled agent voice, else by who spoke first. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from storage.records import Role

from .diarize import Diarization

# Who speaks first on a mono call, by direction: the agent answers an inbound call; on an outbound call
# the customer picks up and speaks first.
FIRST_SPEAKER_ROLE = {"inbound": "agent", "outbound": "customer"}
AGENT_FLOOR = 0.7  # below this similarity to the enrolment, nobody on the call sounds like the agent
AGENT_MARGIN = 0.08  # how much closer than the next speaker the agent must be


def role_of_channel(channel: int, channel_roles: Sequence[str]) -> str:
    return channel_roles[channel] if channel < len(channel_roles) else Role.OTHER.value


def mono_roles(
    diarization: Diarization,
    direction: str | None,
    agent_voiceprints: Sequence[np.ndarray],
    centroids: Mapping[str, np.ndarray],
) -> dict[str, tuple[str, str]]:
    """speaker -> (role, what decided it). An enrolled agent voice decides first; else who spoke first.

    The agent is on the call, so the question is only which speaker: the one clearly closest to the
    enrolment. Mono mixes and stereo channels of one voice score lower than two stereo channels do
    (0.82 for the scripted agent, against 0.68 for the customer), so this is a margin, not the
    watchlist's absolute threshold."""
    speakers = diarization.speakers
    if len(speakers) == 1 and not agent_voiceprints:
        return {speakers[0]: (Role.OTHER.value, "single_speaker")}
    if agent_voiceprints and centroids:
        agent = np.mean([v / np.linalg.norm(v) for v in agent_voiceprints], axis=0)
        agent /= np.linalg.norm(agent)
        scores = {s: float(agent @ (c / np.linalg.norm(c))) for s, c in centroids.items() if s in speakers}
        ranked = sorted(scores, key=lambda s: scores[s], reverse=True)
        clear = len(ranked) == 1 or (
            len(ranked) > 1 and scores[ranked[0]] - scores[ranked[1]] >= AGENT_MARGIN
        )
        best = ranked[0] if ranked else None
        if best is not None and scores[best] >= AGENT_FLOOR and clear:
            return {
                s: (Role.AGENT.value, "agent_voiceprint")
                if s == best
                else (Role.CUSTOMER.value, "agent_voiceprint")
                for s in speakers
            }
    first_role = FIRST_SPEAKER_ROLE.get(direction or "inbound", "agent")
    other_role = Role.CUSTOMER.value if first_role == Role.AGENT.value else Role.AGENT.value
    roles = {speakers[0]: (first_role, "first_speaker")}
    for speaker in speakers[1:]:
        roles[speaker] = (other_role, "first_speaker")
    return roles
