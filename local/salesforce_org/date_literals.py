"""SOQL date literals as ranges of days in the querying user's time zone.

SOQL and SOSL Reference, "Date Formats and Date Literals in WHERE": each literal is a range of time
starting at 00:00:00; ``=`` finds values inside it, ``<`` and ``>`` values before or after it; the range
depends on the user's locale (first day of the week) and time zone. The emulator evaluates:

- ``YESTERDAY``, ``TODAY``, ``TOMORROW``;
- ``LAST_WEEK``, ``THIS_WEEK``, ``NEXT_WEEK`` (weeks start on Sunday, as in the en_US locale);
- ``LAST_MONTH``, ``THIS_MONTH``, ``NEXT_MONTH``; ``LAST_QUARTER``, ``THIS_QUARTER``, ``NEXT_QUARTER``
  (calendar quarters); ``LAST_YEAR``, ``THIS_YEAR``, ``NEXT_YEAR``;
- ``LAST_90_DAYS`` (the last 90 days and today), ``NEXT_90_DAYS`` (the 90 days after today);
- ``LAST_N_DAYS:n`` (today and the n days before), ``NEXT_N_DAYS:n`` (the n days after today),
  ``N_DAYS_AGO:n``; the same for ``_WEEKS``, ``_MONTHS``, ``_QUARTERS`` and ``_YEARS`` (whole periods
  before the current one, or after it; ``N_..._AGO`` is the one period n periods back).

Whether ``LAST_N_DAYS`` includes today is worded loosely on the page ("starts with the current day and
continues for the past n days"); Salesforce includes today, and so does the emulator. Fiscal-period
literals (``THIS_FISCAL_YEAR``...) are not modelled.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from local.salesforce_org.soql import DateLiteral


def _month_start(day: date, months_offset: int) -> date:
    index = day.year * 12 + (day.month - 1) + months_offset
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date, quarters_offset: int) -> date:
    first_month = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return _month_start(first_month, 3 * quarters_offset)


def day_range(literal: DateLiteral, today: date) -> tuple[date, date]:
    """[start, end) in local calendar days."""
    name, n = literal.name, literal.n or 0
    week = today - timedelta(days=(today.weekday() + 1) % 7)
    one = timedelta(days=1)
    fixed: dict[str, tuple[date, date]] = {
        "YESTERDAY": (today - one, today),
        "TODAY": (today, today + one),
        "TOMORROW": (today + one, today + 2 * one),
        "LAST_WEEK": (week - 7 * one, week),
        "THIS_WEEK": (week, week + 7 * one),
        "NEXT_WEEK": (week + 7 * one, week + 14 * one),
        "LAST_MONTH": (_month_start(today, -1), _month_start(today, 0)),
        "THIS_MONTH": (_month_start(today, 0), _month_start(today, 1)),
        "NEXT_MONTH": (_month_start(today, 1), _month_start(today, 2)),
        "LAST_QUARTER": (_quarter_start(today, -1), _quarter_start(today, 0)),
        "THIS_QUARTER": (_quarter_start(today, 0), _quarter_start(today, 1)),
        "NEXT_QUARTER": (_quarter_start(today, 1), _quarter_start(today, 2)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_90_DAYS": (today - 90 * one, today + one),
        "NEXT_90_DAYS": (today + one, today + 91 * one),
        "LAST_N_DAYS": (today - n * one, today + one),
        "NEXT_N_DAYS": (today + one, today + (n + 1) * one),
        "N_DAYS_AGO": (today - n * one, today - (n - 1) * one),
        "LAST_N_WEEKS": (week - 7 * n * one, week),
        "NEXT_N_WEEKS": (week + 7 * one, week + 7 * (n + 1) * one),
        "N_WEEKS_AGO": (week - 7 * n * one, week - 7 * (n - 1) * one),
        "LAST_N_MONTHS": (_month_start(today, -n), _month_start(today, 0)),
        "NEXT_N_MONTHS": (_month_start(today, 1), _month_start(today, n + 1)),
        "N_MONTHS_AGO": (_month_start(today, -n), _month_start(today, -n + 1)),
        "LAST_N_QUARTERS": (_quarter_start(today, -n), _quarter_start(today, 0)),
        "NEXT_N_QUARTERS": (_quarter_start(today, 1), _quarter_start(today, n + 1)),
        "N_QUARTERS_AGO": (_quarter_start(today, -n), _quarter_start(today, -n + 1)),
        "LAST_N_YEARS": (date(today.year - n, 1, 1), date(today.year, 1, 1)),
        "NEXT_N_YEARS": (date(today.year + 1, 1, 1), date(today.year + n + 1, 1, 1)),
        "N_YEARS_AGO": (date(today.year - n, 1, 1), date(today.year - n + 1, 1, 1)),
    }
    return fixed[name]


def datetime_range(literal: DateLiteral, now: datetime, zone: str) -> tuple[datetime, datetime]:
    """[start, end) as UTC instants: the day range's local midnights in ``zone``."""
    tz = ZoneInfo(zone)
    start, end = day_range(literal, now.astimezone(tz).date())
    return (
        datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC),
        datetime.combine(end, time(0), tzinfo=tz).astimezone(UTC),
    )


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()
