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
from mptwin.results.measure.metrics import compute_kpis, kpi_table
from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate

cfg = compose("scenario=smoke", "seed=1")  # the config `mptwin scenario=smoke seed=1` runs
world, strategy = build_run(cfg)
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
