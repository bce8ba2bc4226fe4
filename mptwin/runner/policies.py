"""A strategy from its config: each policy is a `_target_` entry, bound late (the class is
looked up only now) and checked before any simulation.

A policy class that is a dataclass is its own schema: the entry is merged into it, so a wrong
type or an unknown key is an error naming the key (`strategy.pricing.undercut`), then its field
bounds and `check_rules` are checked by `sim.config_bounds.check_config`, the same walk as the
scenario's. A policy class that is not a dataclass gets its parameters as keyword arguments and
checks them itself.

A policy that forwards decisions elsewhere (strategies.remote) holds a `fallback` entry: another
policy of the same decision point, built and checked the same way under `<key>.fallback`.

A policy that applies the operator's rules (onboarding, governance) declares a `rules` field
marked `sim.config_bounds.handed_over`: the rules are not a key of its entry. They are written, and
checked once, at `strategy.rules.<decision>` (the strategy's rules file, conf/rules/), and
`build_strategy` hands each policy its decision's section of them.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import TYPE_CHECKING

from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config_bounds import ConfigError, check_config
from sim.decisions import POLICIES, Strategy

if TYPE_CHECKING:
    from strategies.rules import RulesConfig


def build_policy(node: DictConfig, key: str):
    """One policy from its config entry; `key` is where it sits (`strategy.routing`)."""
    params = OmegaConf.to_container(node, resolve=True)
    target = params.pop("_target_", None)
    if not target:
        raise ConfigError(
            f"{key} needs a _target_: the policy class, e.g. strategies.routing.StaticRouting"
        )
    try:
        cls = get_class(target)
    except Exception as e:  # noqa: BLE001 - any import failure is the same user error
        raise ConfigError(f"{key}._target_: cannot load {target!r}: {e}") from None
    fallback = None
    if hasattr(cls, "fallback"):  # a forwarding policy: its fallback is a policy entry too
        if not params.pop("fallback", None):
            raise ConfigError(
                f"{key}.fallback: {target} needs a fallback policy entry "
                "(a _target_ of the same decision point)"
            )
        fallback = build_policy(node.fallback, f"{key}.fallback")
    if takes_rules(cls) and "rules" in params:
        decision = key.removeprefix("strategy.")
        raise ConfigError(
            f"{key}.rules: a policy's rules are written in the strategy's rules file, "
            f"strategy.rules.{decision} (conf/rules/), and handed to it from there"
        )
    if not is_dataclass(cls):
        try:
            return _with_fallback(cls(**params), fallback)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{key}: {e}") from None
    try:
        typed = OmegaConf.merge(OmegaConf.structured(cls), params)
    except OmegaConfBaseException as e:
        raise ConfigError(f"{key}.{e.full_key}: {str(e.msg).splitlines()[0]}") from None
    policy = OmegaConf.to_object(typed)
    check_config(policy, key)
    return _with_fallback(policy, fallback)


def _with_fallback(policy, fallback):
    if fallback is not None:
        policy.fallback = fallback
    return policy


def takes_rules(cls) -> bool:
    """Whether a policy class applies the operator's rules (a handed-over `rules` field)."""
    return is_dataclass(cls) and any(
        f.name == "rules" and f.metadata.get("handed_over") for f in fields(cls)
    )


def build_strategy(cfg: DictConfig, rules: RulesConfig) -> Strategy:
    """Every policy of the bundle, each checked and named by its key; a policy that applies the
    operator's rules gets its decision's section of `rules` (the typed, already checked
    `strategy.rules`): the onboarding policy `rules.onboarding`, the governance policy
    `rules.governance`."""
    parts = {}
    for point in POLICIES:
        policy = build_policy(cfg[point], f"strategy.{point}")
        if takes_rules(type(policy)):
            section = getattr(rules, point, None)
            if section is None:
                raise ConfigError(
                    f"strategy.{point}: {type(policy).__name__} applies rules, and the rules "
                    f"file has no section for them (strategy.rules.{point})"
                )
            policy = replace(policy, rules=section)  # built again: __post_init__ sees them
        parts[point] = policy
    strategy = Strategy(cfg.name, **parts, uses_platform=bool(cfg.uses_platform))
    try:
        strategy.check()  # the protocols, as the world will check them at bind
    except (TypeError, ValueError) as e:
        raise ConfigError(str(e)) from None
    return strategy
