"""Local tooling for scribe: everything `make up`, `make test` and `make bench` run besides
Terraform and the handler themselves. One subpackage per concern:

    emulator/    AWS on this machine: moto in a child process (moto_server, moto_launcher), the
                 deployed zip run as Lambda runs it (function, lambda_worker), and the HTTP API in
                 front of it (gateway/)
    terraform/   Terraform as the project runs it: its CLI config (cli_config), the one runner
                 (runner), work dirs wired to moto (workdir), validate, and the README tables (docs)
    checks/      static checks with their own tools (checkov)
    iam/         the CI identity evaluated as AWS evaluates it (make iam): calls/ (a request's
                 IAM requests, one module per service), attacks/ (the attack table by attacker)
    iam_evaluator.py  the IAM policy engine (Node, in iam_evaluator/), used by iam/ and by the
                 local gateway; it imports nothing else of scribe_local, so neither depends on
                 the other through it
    stack.py     make up / down / demo;  smoke.py  make smoke;  processes.py  start and stop
    packaging.py the Lambda zip;  paths.py  where things live in a checkout

The way from `make up` to a stored object:

    make up ─ stack.up ─ packaging: build/scribe.zip
                       ├ emulator.moto_server: moto on a free port (processes.spawn_until_ready)
                       ├ terraform.workdir: copy of the root wired to moto (.scribe/stack)
                       ├ terraform.runner: init + apply envs/local.tfvars, read the outputs
                       └ emulator.gateway (a process): loads the API, routes and functions from moto
    POST $API_URL/notes/a.txt ─ gateway.server ─ Gateway.handle: route, caller, invoke permission
        ─ payload 2.0 event ─ emulator.function: a worker runs the zip's handler with the
          function role's keys ─ PutObject to moto, checked against the role's IAM policy
"""
