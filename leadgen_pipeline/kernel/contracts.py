"""What every layer's table contracts share: the column shapes stated once."""

from __future__ import annotations

from typing import Final

# `pe.DateTime` field arguments: every stored timestamp is microseconds in UTC
UTC: Final = {"time_zone": "UTC", "time_unit": "us"}
# `str_length` arguments of an ISO 3166-1 alpha-2 country code
ISO2: Final = {"min_value": 2, "max_value": 2}
