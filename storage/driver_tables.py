"""Tables of call drivers (migration 0026): each call's drivers, the discovered themes, and the rises
already announced. Kept apart from tables.py, which imports this module so the models are declared."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UtcDateTime, utcnow


class CallDriverRow(Base):
    __tablename__ = "call_drivers"
    __table_args__ = (Index("ix_call_drivers_driver", "driver_id"),)

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    driver_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(10))  # named | discovered
    name: Mapped[str] = mapped_column(String(300))


class DiscoveredDriverRow(Base):
    __tablename__ = "discovered_drivers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    keys: Mapped[list[str]] = mapped_column(JSON)
    phrases: Mapped[list[str]] = mapped_column(JSON)
    weights: Mapped[list[float]] = mapped_column(JSON)
    calls: Mapped[int] = mapped_column(Integer)
    discovered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DriverRiseRow(Base):
    __tablename__ = "driver_rises"

    driver_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    usual: Mapped[float] = mapped_column(Float)
