"""IAM evaluated as AWS evaluates it: the evaluator bridge, the attack table on the CI identity,
the recorded deploy calls mapped to IAM requests, and `make iam`'s report."""
