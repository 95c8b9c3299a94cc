"""Events with tiers and rule presets, their skills and groups."""
