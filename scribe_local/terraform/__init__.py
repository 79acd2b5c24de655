"""Terraform as the project runs it: the project's CLI config (cli_config), one runner for every
command (runner), work dirs wired to moto (workdir), `make validate` (validate) and the README
tables (docs)."""
