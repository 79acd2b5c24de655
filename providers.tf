# The only provider configuration of the stack. Modules under modules/ take none: a consumer
# configures the provider once in its own root.
provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Stack = var.name, ManagedBy = "terraform" })
  }
}
