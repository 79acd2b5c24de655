"""AWS's API as data, shared by the emulator, the model check and the IAM mapping: a request as
kept (record.py), which operation it is (operations.py), its input checked against AWS's model
(model_check.py) and AWS's documented name rules (name_rules.py). Imports nothing else of
scribe_local."""
