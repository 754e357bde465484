"""HTTP routes, one module per resource; each exposes ``build_router(ctx, require_admin)``."""
