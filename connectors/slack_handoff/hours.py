"""Business hours of a handoff rule: an IANA time zone, weekly opening times, holidays.

Why: outside office hours nobody reads the Slack channel soon; the visitor is told when the team
is back (`next_open`) while the handoff is still posted, marked "out of hours", so it is not lost.

Profile form (validated by `parse_hours`, one message per mistake):
    hours:
      timezone: Europe/Amsterdam
      weekly: {mon: "09:00-17:00", tue: "09:00-12:00, 13:00-17:00", sat: closed}
      holidays: [2026-12-25, 2026-12-26]
Days left out are closed; "24:00" ends a day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class BusinessHours:
    timezone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # per weekday (Mon=0): (start, end) minutes
    holidays: frozenset[dt.date]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.weekly[local.weekday()])

    def next_open(self, now: dt.datetime, horizon_days: int = 366) -> dt.datetime | None:
        """When the team is next reachable (`now` itself when open); None if never."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        for offset in range(horizon_days + 1):
            day = local.date() + dt.timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, _end in self.weekly[day.weekday()]:
                opening = dt.datetime.combine(
                    day, dt.time(start // 60, start % 60), tzinfo=self.zone
                )
                if opening > local:
                    return opening
        return None


def _spans(raw: Any, where: str, errors: list[str]) -> tuple[tuple[int, int], ...]:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in {"closed", ""}):
        return ()
    if raw is False:
        return ()
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    spans: list[tuple[int, int]] = []
    for part in parts:
        m = _SPAN.match(str(part))
        if not m:
            errors.append(f'{where}: "{part}" is not a time span like "09:00-17:00" or "closed"')
            continue
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60 or end <= start:
            errors.append(f'{where}: "{part}" must run forward within one day (00:00-24:00)')
            continue
        spans.append((start, end))
    return tuple(sorted(spans))


def parse_hours(raw: Any, where: str, errors: list[str]) -> BusinessHours | None:
    """`hours:` of a rule, or None when absent; mistakes are appended to `errors`."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: must be a mapping with timezone, weekly and holidays")
        return None
    zone = str(raw.get("timezone") or "")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f'{where}.timezone: "{zone}" is not an IANA time zone (Europe/Amsterdam)')
        zone = "UTC"
    weekly_raw = raw.get("weekly")
    if not isinstance(weekly_raw, Mapping) or not weekly_raw:
        errors.append(f"{where}.weekly: give opening times per day, e.g. mon: 09:00-17:00")
        weekly_raw = {}
    for key in weekly_raw:
        if str(key).lower()[:3] not in DAYS:
            errors.append(f'{where}.weekly: "{key}" is not a day (mon, tue, ... sun)')
    by_day = {str(k).lower()[:3]: v for k, v in weekly_raw.items()}
    weekly = tuple(_spans(by_day.get(d), f"{where}.weekly.{d}", errors) for d in DAYS)
    holidays: set[dt.date] = set()
    for item in raw.get("holidays") or []:
        try:
            holidays.add(item if isinstance(item, dt.date) else dt.date.fromisoformat(str(item)))
        except ValueError:
            errors.append(f'{where}.holidays: "{item}" is not a date like 2026-12-25')
    return BusinessHours(zone, weekly, frozenset(holidays))
