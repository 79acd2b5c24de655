"""Local tooling for scribe, used by `make up/down/demo` and by the tests.

Terraform CLI setup, a moto server, Terraform work dirs wired to it, and a local API gateway that
runs the deployed Lambda zip.
"""
