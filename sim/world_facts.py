"""The world's fixed facts per offer, seller, warehouse and lane (an offer's SKU, seller and cost,
a customer's shipping fee, a lane's contracted hours and cost, where an offer is stocked), worked
out once from the world as Python lists, for fast scalar reads in the event loop. A run holds
them as `state.lookup`."""

from __future__ import annotations

import numpy as np

from sim.world import World


class WorldFacts:
    """Derived once from the world; never changes during a run."""

    def __init__(self, world: World):
        offer_sku = world.offer_sku
        self.offer_sku = offer_sku.tolist()
        self.offer_seller = world.offer_seller.tolist()
        self.offer_category = world.sku_category[offer_sku].tolist()
        self.offer_cost_array = world.sku_cost[offer_sku].astype(float)  # for whole batches
        self.offer_cost = self.offer_cost_array.tolist()
        self.sku_offers: list[list[int]] = [[] for _ in range(len(world.sku_cost))]
        for o, sku in enumerate(self.offer_sku):
            self.sku_offers[sku].append(o)
        self.seller_handling_h = [s.profile.handling_h for s in world.sellers]
        self.seller_offers: list[list[int]] = [[] for _ in world.sellers]
        for o, s in enumerate(self.offer_seller):
            self.seller_offers[s].append(o)
        self.warehouse_region = [w.region for w in world.warehouses]
        home_region = np.array([world.warehouses[s.home_warehouse].region for s in world.sellers])
        origin = home_region[world.offer_seller]
        m = world.money
        # the fee a customer in each region pays for each offer, from the seller's home warehouse:
        # one row per origin region, shared by the offers shipped from there
        rows = (m.fee_base + m.fee_per_km * world.distance_km).round(2).tolist()
        self.fee = [rows[r] for r in origin.tolist()]
        # per carrier, origin region, destination region: contracted hours and cost, as lists
        self.lane_nominal_h = [
            [
                [world.nominal_transit_h(c, a, b) for b in range(world.distance_km.shape[1])]
                for a in range(world.distance_km.shape[0])
            ]
            for c in range(len(world.carriers))
        ]
        self.lane_cost = [
            [
                [world.carrier_cost(c, a, b) for b in range(world.distance_km.shape[1])]
                for a in range(world.distance_km.shape[0])
            ]
            for c in range(len(world.carriers))
        ]
        # warehouses where each offer is stocked, in warehouse order
        offer, warehouse = np.nonzero(world.reorder_point >= 0)
        cuts = np.searchsorted(offer, np.arange(1, world.n_offers)).tolist()
        self.stocked_at: list[list[int]] = [part.tolist() for part in np.split(warehouse, cuts)]
