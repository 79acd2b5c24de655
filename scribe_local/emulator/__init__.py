"""AWS on this machine: a moto server, the deployed Lambda zip run as Lambda runs it, and a local
HTTP API gateway in front of it (gateway/). Nothing here talks to AWS."""
