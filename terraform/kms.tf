# Two customer-managed keys, both rotated yearly:
#   secrets       - SSM SecureString parameters. Only the task role may
#                   decrypt, and only through SSM (kms:ViaService).
#   observability - CloudWatch log groups and the alarm SNS topic. The
#                   service principals that need it never touch the secrets key.
#
# In a key policy, "Resource": "*" means the key that the policy is attached
# to, so it cannot be narrowed further.

resource "aws_kms_key" "secrets" {
  description             = "${local.prefix} SSM SecureString parameters"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.secrets_key.json
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${local.prefix}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

data "aws_iam_policy_document" "secrets_key" {
  #checkov:skip=CKV_AWS_109:Key policy: "*" is the key itself, and kms:* goes only to this account's root, which delegates to IAM.
  #checkov:skip=CKV_AWS_111:Key policy: "*" is the key itself; writes are limited to this account and to conditioned service principals.
  #checkov:skip=CKV_AWS_356:Key policy: AWS requires "*" as the resource of a key policy statement, meaning the key itself.
  # Account administrators manage the key through IAM policies. Decrypt for
  # the task is granted by the task role's own policy, with kms:ViaService.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "observability" {
  description             = "${local.prefix} CloudWatch log groups and alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.observability_key.json
}

resource "aws_kms_alias" "observability" {
  name          = "alias/${local.prefix}-observability"
  target_key_id = aws_kms_key.observability.key_id
}

data "aws_iam_policy_document" "observability_key" {
  #checkov:skip=CKV_AWS_109:Key policy: "*" is the key itself, and kms:* goes only to this account's root, which delegates to IAM.
  #checkov:skip=CKV_AWS_111:Key policy: "*" is the key itself; writes are limited to this account and to conditioned service principals.
  #checkov:skip=CKV_AWS_356:Key policy: AWS requires "*" as the resource of a key policy statement, meaning the key itself.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts only log groups under this stack's path.
  statement {
    sid = "CloudWatchLogsForStackLogGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_path}/*"]
    }
  }

  # CloudWatch alarms of this stack publish to the encrypted alarm topic.
  statement {
    sid       = "CloudWatchAlarmsPublishToTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${local.alarm_name_prefix}*"]
    }
  }

  # EventBridge publishes task-stopped events to the encrypted alarm topic.
  # NOTE: KMS requests made for EventBridge deliveries carry no
  # aws:SourceArn or aws:SourceAccount, so this grant cannot be conditioned
  # on them. The topic policy limits publishing to this stack's rule.
  statement {
    sid       = "EventBridgePublishToTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}
