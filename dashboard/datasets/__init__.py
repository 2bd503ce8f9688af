"""The Datasets wing of the dashboard: the declared list, the declare form, the check report."""
