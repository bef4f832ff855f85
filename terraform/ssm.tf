# SecureString parameters that the daemon fetches at startup with
# GetParameters (WithDecryption). Terraform creates them with a placeholder,
# and the real values are put with `aws ssm put-parameter --overwrite` (see
# docs/deploy.md). The placeholder goes through value_wo, a write-only
# argument, so neither the placeholder nor a later real value is ever stored
# in the Terraform state.
#
# A task must fail at startup while the placeholder is still in place:
# at 5 bytes it is below the daemon's 32-byte minimum for jwt.signing_key,
# and it is not a client secret hash (sha256$SALT$HASH or
# pbkdf2-sha256$ITERATIONS$SALT$HASH).
# A placeholder of 32 bytes or more would start tasks that sign tokens with a
# key anyone can read in this file.

resource "aws_ssm_parameter" "secret" {
  for_each = var.create_ssm_parameters ? local.ssm_parameter_names : {}

  name        = each.value
  description = "${local.prefix} ${replace(each.key, "_", " ")}; set the real value with aws ssm put-parameter --overwrite"
  type        = "SecureString"
  key_id      = aws_kms_key.secrets.arn
  tier        = "Standard"

  value_wo         = "unset"
  value_wo_version = 1

  lifecycle {
    # value is never set here (value_wo is), so this only matters if someone
    # switches to value: Terraform then still leaves the real secret alone.
    ignore_changes = [value]
  }
}
