"""Every parameter has one declaration and something that reads it (issue 23).

`READERS` (`tests/helpers/param_readers.py`) lists, for every key of every scenario and strategy
config in conf/ (each conf/scenario/*.yaml, each conf/strategy/**/*.yaml, composed as `mptwin`
composes them), the module that reads it where it is used, and the test checks that the module
does (an attribute read of the key's field, or its name as a string; a `*_days` key may be read
through its `*_h` property). A key nothing reads fails: name its reader there, or remove the key.
A key read on purpose by nothing but people is in `INFORMATIVE` (the same file), with why.

In a key, `[]` is any item of a list and `*` any key of a mapping; a list of numbers or a
table of numbers is one key (`scenario.demand.hour_profile`, `strategy.promise.buffer_days`).

One declaration: the world keeps the scenario's parts as configured (the very objects) and adds
only what it derives, and its own records declare no field a scenario part declares.
"""

from __future__ import annotations

import ast
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import get_args, get_type_hints

import pytest
from omegaconf import DictConfig, ListConfig, OmegaConf

from mptwin.runner.compose import CONF_DIR, compose
from scenarios.config import ScenarioConfig, SellerProfile, WarehousesConfig
from scenarios.synthetic import build_world
from sim.world import SellerSpec, WarehouseSpec, World
from tests.helpers.param_readers import INFORMATIVE, READERS
from tests.helpers.runs import NETWORK, ROOT

# --- the keys of every config in conf/ --------------------------------------------------------


def _keys(node, path: str, out: set[str]) -> None:
    """The leaf keys under `node`: a dataclass's or a policy's fields by name; a list or mapping
    of dataclasses by `[]` / `*` and the item's fields; a list or table of values as one key."""
    if isinstance(node, DictConfig) and not node._is_none():
        if is_dataclass(OmegaConf.get_type(node)) or "_target_" in node:
            for k in node:
                _keys(node._get_node(k), f"{path}.{k}", out)
        elif is_dataclass(node._metadata.element_type):
            out.update(f"{path}.*.{f.name}" for f in fields(node._metadata.element_type))
            for k in node:
                _keys(node._get_node(k), f"{path}.*", out)
        else:
            out.add(path)
    elif isinstance(node, ListConfig) and is_dataclass(node._metadata.element_type):
        out.update(f"{path}[].{f.name}" for f in fields(node._metadata.element_type))
        for i in range(len(node)):
            _keys(node._get_node(i), f"{path}[]", out)
    else:
        out.add(path)


def _strategy_override(path: Path) -> str:
    rel = path.relative_to(CONF_DIR / "strategy").with_suffix("")
    return f"strategy={rel}" if rel.parent == Path(".") else f"strategy/{rel.parent}={rel.name}"


@cache
def config_keys() -> frozenset[str]:
    keys: set[str] = set()
    for path in sorted((CONF_DIR / "scenario").glob("*.yaml")):
        _keys(compose(f"scenario={path.stem}").scenario, "scenario", keys)
    for path in sorted((CONF_DIR / "strategy").rglob("*.yaml")):
        _keys(compose(_strategy_override(path)).strategy, "strategy", keys)
    return frozenset(keys)


@cache
def names_read(module: str) -> frozenset[str]:
    """Attribute names a module reads, and the strings it holds (a key read by name)."""
    names = set()
    for node in ast.walk(ast.parse((ROOT / module).read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
    return frozenset(names)


def field_of(key: str) -> set[str]:
    """The names a key is read by: its field, and for `*_days` its `*_h` property."""
    name = key.rsplit(".", 1)[-1].removesuffix("[]")
    return {name, name.removesuffix("_days") + "_h"} if name.endswith("_days") else {name}


def test_the_walk_finds_the_keys_of_every_part():
    keys = config_keys()
    assert len(keys) > 200
    assert {
        "scenario.reviewers.headcount",
        "scenario.reviewers.teams.*.headcount",  # seller_growth's teams
        "scenario.carriers[].loss_rate",
        "scenario.regions.sites[].x_km",  # no file lists sites: the schema's fields count
        "scenario.demand.hour_profile",
        "strategy.pricing.undercut",
        "strategy.promise.buffer_days",
        "strategy.rules.governance.defect.warn",
    } <= keys


def test_every_key_of_every_config_has_a_reader():
    unread = sorted(config_keys() - READERS.keys() - INFORMATIVE.keys())
    assert not unread, (
        "nothing is known to read these keys; name the module that reads each in "
        "tests/helpers/param_readers.py READERS, or remove the key:\n  " + "\n  ".join(unread)
    )


def test_the_lists_name_only_keys_a_config_has():
    stale = sorted((READERS.keys() | INFORMATIVE.keys()) - config_keys())
    assert not stale, "no config in conf/ has these keys any more:\n  " + "\n  ".join(stale)
    assert not READERS.keys() & INFORMATIVE.keys()


@pytest.mark.parametrize("key", sorted(READERS))
def test_the_named_module_reads_the_key(key):
    module = READERS[key]
    assert (ROOT / module).is_file(), f"{key}: {module} does not exist"
    assert field_of(key) & names_read(module), f"{module} does not read {key}"


# --- one declaration ---------------------------------------------------------------------------


def declared(cls, seen: set | None = None) -> set[str]:
    """The field names a typed config declares: its own and those of the dataclasses it holds."""
    seen = set() if seen is None else seen
    if cls in seen:
        return set()
    seen.add(cls)
    names = set()
    for name, hint in get_type_hints(cls).items():
        names.add(name)
        for t in (hint, *get_args(hint)):
            if is_dataclass(t):
                names |= declared(t, seen)
    return names


# the world's own records, each with the part of a scenario it is made from
RECORDS = {World: ScenarioConfig, SellerSpec: SellerProfile, WarehouseSpec: WarehousesConfig}
# the parts a world holds as configured (the very objects: checked below)
KEPT = {"demand", "reviewers", "money", "risk", "catalogue", "disruptions", "feeds"}
KEPT |= {"governance", "finance", "reviews", "carriers"}
# what else a record shares by name with its part, and why that is no second declaration
SAME_NAME = {
    (World, "name"): "the scenario's name, a label",
    (World, "start_date"): "scenario.start_date, parsed to a date",
    (World, "promo_dates"): "scenario.demand.promo_dates, parsed to dates",
    (World, "commission_rate"): "per category, from its commission_rate; the rules file's win",
    (World, "sellers"): "one record per seller drawn from scenario.sellers' profiles",
    (World, "warehouses"): "one record per warehouse drawn from scenario.warehouses",
    (SellerSpec, "name"): "the seller's own name: its profile's and a number",
}


def test_the_worlds_records_declare_no_scenario_parameter_again():
    """The world's own records (World, SellerSpec, WarehouseSpec) declare only what the
    generator derives, never a parameter a scenario part declares (as World.price_floor_margin
    or SellerSpec.handling_h once did)."""
    for record, part in RECORDS.items():
        kept = KEPT if record is World else set()
        same = {f.name for f in fields(record)} & declared(part)
        twice = sorted(n for n in same - kept if (record, n) not in SAME_NAME)
        assert not twice, f"{record.__name__} declares again what {part.__name__} does: {twice}"


def test_the_world_keeps_the_configured_parts_themselves():
    """No copy between a scenario and its world: each part is the configured object, and the
    main review team is `scenario.reviewers` itself."""
    cfg = OmegaConf.to_object(
        compose(
            "scenario=seller_growth", *NETWORK, "scenario.disruptions=[{carrier: 0, start_day: 3}]"
        )
    ).scenario
    world = build_world(cfg)
    for part in KEPT - {"carriers", "disruptions"}:
        assert getattr(world, part) is getattr(cfg, part), part
    assert world.warehousing is cfg.warehouses and world.applicants is cfg.applications
    for part in ("carriers", "disruptions"):
        assert all(a is b for a, b in zip(getattr(world, part), getattr(cfg, part), strict=True))
    profiles = [*cfg.sellers, cfg.applications.profile]
    assert all(any(s.profile is p for p in profiles) for s in world.sellers)
    name, team, _ = world.reviewers.desks(("payment_held",))[0]
    assert name == "operations" and team is cfg.reviewers
