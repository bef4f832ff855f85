# SecureString parameters that the daemon fetches at startup with
# GetParameters (WithDecryption). Terraform creates them with a placeholder,
# and the real values are put with `aws ssm put-parameter --overwrite` (see
# docs/deploy.md). The placeholder goes through value_wo, a write-only
# argument, so neither the placeholder nor a later real value is ever stored
# in the Terraform state.

resource "aws_ssm_parameter" "secret" {
  for_each = var.create_ssm_parameters ? local.ssm_parameter_names : {}

  name        = each.value
  description = "${local.prefix} ${replace(each.key, "_", " ")}; set the real value with aws ssm put-parameter --overwrite"
  type        = "SecureString"
  key_id      = aws_kms_key.secrets.arn
  tier        = "Standard"

  value_wo         = "placeholder-replace-with-aws-ssm-put-parameter"
  value_wo_version = 1

  lifecycle {
    # value is never set here (value_wo is), so this only matters if someone
    # switches to value: Terraform then still leaves the real secret alone.
    ignore_changes = [value]
  }
}
