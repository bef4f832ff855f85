terraform {
  # 1.11 is the first release with write-only arguments (value_wo on
  # aws_ssm_parameter), which keep secret values out of the state file.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is the version this configuration was validated with.
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Application = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}
