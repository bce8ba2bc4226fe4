# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore one run
# Run a scenario under the automation-only strategy and look at where the exceptions come
# from and what they cost. Everything here comes from the result tables, like the KPIs.

# %%
from pathlib import Path

from hydra import compose, initialize_config_dir

from mptwin.analysis.metrics import compute_kpis, kpi_table
from mptwin.config import register
from mptwin.run import prepare, simulate

ROOT = Path.cwd() if (Path.cwd() / "conf").exists() else Path(__file__).resolve().parent.parent
register()
with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
    cfg = compose("config", overrides=["scenario=smoke", "seed=1"])
world, strategy = prepare(cfg)
result = simulate(world, strategy, cfg.seed)
kpis = compute_kpis(result.tables, result.info)
print(kpi_table(kpis))

# %% [markdown]
# ## Which exceptions, how long they waited, what they blocked

# %%
exc = result.tables["exceptions"]
exc = exc.assign(wait_h=exc.started_h - exc.raised_h, resolve_h=exc.resolved_h - exc.raised_h)
summary = exc.groupby(["type", "blocks"]).agg(
    n=("exc_id", "size"), wait_h=("wait_h", "mean"), resolve_h=("resolve_h", "median")
)
print(summary.round(1))

# %% [markdown]
# ## Orders touched by a person arrive later
# An order with a human task waits for a reviewer; the backlog feeds straight into the SLA.

# %%
orders = result.tables["orders"]
delivered = orders[orders.delivered_h.notna()]
c2d = (delivered.delivered_h - delivered.placed_h).groupby(delivered.human_tasks > 0).median()
print(c2d.rename(index={False: "no human task", True: "with a human task"}).round(1))
