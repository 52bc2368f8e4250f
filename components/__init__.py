"""The component catalogue: one sub-package per component type, each exporting COMPONENT."""
