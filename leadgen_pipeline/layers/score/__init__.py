"""The qualification layer: ICP fit with reasons, buying-signal tiers, routing, handoffs."""
