"""/v1/calls/{id}/voices and /v1/watchlist: speaker voiceprints, and the voices compliance watches for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from storage.api_keys import ApiKey
from storage.calls import get_call
from storage.voiceprints import list_voices
from storage.watchlist import VoiceWatch, end_watch, list_watches, watch_voice

from ..auth import actor, reviewer
from ..schemas import ErrorOut, model_of

router = APIRouter(prefix="/v1", tags=["voices"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}
CallId = Annotated[str, Path(max_length=64)]


class VoiceOut(BaseModel):
    speaker: str
    role: str
    model: str
    speech_seconds: float = Field(description="Seconds of the speaker's own speech the voiceprint is from")
    watch_ids: list[int] = Field(description="Active watches taken from this voice")


class WatchIn(BaseModel):
    note: str = Field("", max_length=2000, description="Why this voice is watched (shown on every match)")


_FROM_CALL = (
    str | None,
    Field(description="The call the voice was taken from (null once that call is deleted)"),
)


class WatchOut(model_of(VoiceWatch, "WatchFields", exclude=("embedding",), call_id=_FROM_CALL)):  # type: ignore[misc]
    """A watched voice (its voiceprint is never sent)."""

    @classmethod
    def of(cls, watch: VoiceWatch) -> WatchOut:
        return cls(**{name: getattr(watch, name) for name in cls.model_fields})


@router.get(
    "/calls/{call_id}/voices",
    response_model=list[VoiceOut],
    responses=ERRORS,
    dependencies=[Depends(reviewer)],
)
def call_voices(request: Request, call_id: CallId) -> list[VoiceOut]:
    """The call's speakers that have a voiceprint (speakers with too little speech have none)."""
    with request.app.state.services.db.session() as session:
        get_call(session, call_id)  # 404 for an unknown call
        watches = [w for w in list_watches(session, active_only=True) if w.call_id == call_id]
        return [
            VoiceOut(
                speaker=v.speaker,
                role=v.role,
                model=v.model,
                speech_seconds=v.speech_seconds,
                watch_ids=[w.id for w in watches if w.speaker == v.speaker],
            )
            for v in list_voices(session, call_id)
        ]


@router.post(
    "/calls/{call_id}/voices/{speaker}/watch",
    response_model=WatchOut,
    status_code=201,
    responses=ERRORS,
)
def watch(
    request: Request,
    call_id: CallId,
    speaker: Annotated[str, Path(max_length=32)],
    body: WatchIn,
    key: ApiKey = Depends(reviewer),
) -> WatchOut:
    """Watch this speaker's voice: every later call whose customer voice matches raises a flag."""
    with request.app.state.services.db.session() as session:
        get_call(session, call_id)
        return WatchOut.of(watch_voice(session, call_id, speaker, body.note, actor(key)))


@router.get("/watchlist", response_model=list[WatchOut], responses=ERRORS, dependencies=[Depends(reviewer)])
def watchlist(request: Request, active: bool = True) -> list[WatchOut]:
    with request.app.state.services.db.session() as session:
        return [WatchOut.of(w) for w in list_watches(session, active_only=active)]


@router.delete("/watchlist/{watch_id}", response_model=WatchOut, responses=ERRORS)
def stop_watching(
    request: Request,
    watch_id: Annotated[int, Path(ge=1, le=2**62)],
    key: ApiKey = Depends(reviewer),
) -> WatchOut:
    """End a watch (kept, inactive, with who ended it); later calls are no longer compared with it."""
    with request.app.state.services.db.session() as session:
        return WatchOut.of(end_watch(session, watch_id, actor(key)))
