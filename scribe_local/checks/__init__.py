"""Static checks that need their own tool and environment (checkov: `make checkov`)."""
