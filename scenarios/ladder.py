"""The scale ladder's growth rules as config resolvers: a marketplace grown along one path,
every size that grows with it following its volume.

`conf/scenario/ladder.yaml` holds the rules (`scenario.ladder.grow`: for each quantity a base
value at the reference volume, an exponent and bounds) and the point (`ladder.orders_per_day`);
its fields read them through `${ladder:NAME}`, so the composed config shows the values a point
runs with and the YAML says how each follows the scale:

    value = base * (orders_per_day / reference) ** exponent, rounded if `whole`, within [min, max]

A one-factor axis holds one quantity at a fixed value (`ladder.fixed.NAME`) while the others
follow the volume. `${ladder_share:NAME,SHARE}` splits a whole count between seller profiles;
`${ladder_carriers:}` takes the first carriers of `ladder.carrier_menu`, in the order a growing
marketplace signs them, with their daily capacity scaled like the volume.
"""

from __future__ import annotations

import math

from omegaconf import DictConfig, OmegaConf

from scenarios.config import CarrierConfig
from sim.config_bounds import ConfigError


def _ladder(root: DictConfig) -> DictConfig:
    ladder = OmegaConf.select(root, "scenario.ladder")
    if ladder is None:
        raise ConfigError("${ladder:...} is used outside a ladder scenario: no scenario.ladder")
    return ladder


def value(name: str, ladder: DictConfig) -> float:
    """The quantity `name` at the ladder's point: the fixed value if an axis holds it, else its
    growth rule."""
    fixed = (ladder.get("fixed") or {}).get(name)
    if fixed is not None:
        return fixed
    rule = ladder.grow.get(name)
    if rule is None:
        raise ConfigError(f"scenario.ladder.grow has no rule for {name!r}")
    for key in ("orders_per_day", "reference"):
        if not _positive(ladder.get(key)):
            raise ConfigError(f"scenario.ladder.{key} must be a number > 0, got {ladder.get(key)}")
    scale = float(ladder.orders_per_day) / float(ladder.reference)
    if not all(_number(rule.get(k)) for k in ("base", "exponent")):
        raise ConfigError(f"scenario.ladder.grow.{name} needs a numeric base and exponent")
    v = float(rule.base) * scale ** float(rule.exponent)
    if rule.get("whole"):
        v = float(round(v))
    lo, hi = rule.get("min"), rule.get("max")
    v = max(v, lo) if lo is not None else v
    v = min(v, hi) if hi is not None else v
    return int(v) if rule.get("whole") else v


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _positive(v) -> bool:
    return _number(v) and v > 0


def share(name: str, part: float, ladder: DictConfig) -> int:
    """A whole part of a count (one seller profile of all sellers), at least one."""
    return max(1, round(float(value(name, ladder)) * float(part)))


def carriers(ladder: DictConfig) -> list:
    """The first carriers of the menu, as many as the point has, each with its daily capacity
    scaled by `grow.carrier_capacity` (structured, so they check as any carrier list does)."""
    n = int(value("carriers", ladder))
    menu = list(ladder.carrier_menu)
    if not 1 <= n <= len(menu):
        raise ConfigError(
            f"scenario.ladder: the point has {n} carriers; its carrier_menu has {len(menu)}"
        )
    scale = float(value("carrier_capacity", ladder))
    out = []
    for c in menu[:n]:
        spec = OmegaConf.to_container(c, resolve=True)
        spec["daily_capacity"] = max(1, math.ceil(spec["daily_capacity"] * scale))
        out.append(OmegaConf.structured(CarrierConfig(**spec)))
    return OmegaConf.create(out)


def register_resolvers() -> None:
    """Make `${ladder:...}`, `${ladder_share:...}` and `${ladder_carriers:}` known to OmegaConf
    (idempotent: every composition and every job process calls it)."""
    OmegaConf.register_new_resolver(
        "ladder", lambda name, *, _root_: value(name, _ladder(_root_)), replace=True
    )
    OmegaConf.register_new_resolver(
        "ladder_share",
        lambda name, part, *, _root_: share(name, part, _ladder(_root_)),
        replace=True,
    )
    OmegaConf.register_new_resolver(
        "ladder_carriers", lambda *, _root_: carriers(_ladder(_root_)), replace=True
    )
