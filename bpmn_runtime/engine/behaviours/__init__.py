"""Element behaviours, one module per family, each implementing the lifecycle in `base` (arrive, activate,
triggered, leave, terminate, and the hooks of scopes); `registry` says which one runs what."""
