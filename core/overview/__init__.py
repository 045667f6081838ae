"""Overview: the home page's alerts and the Monday meeting."""
