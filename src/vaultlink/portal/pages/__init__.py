"""The portal's pages, one module per area. Each page is a thin map from what the user sees or presses to the
ARM calls it makes (listed in each page's docstring)."""
