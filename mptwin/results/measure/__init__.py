"""What one run's records say: the result tables and their columns (`tables`, `records`), the
KPIs (`metrics`) and the run's figures (`figures`). Analysis reads the records a run left; it is
not part of the world, so `sim` never imports it."""
