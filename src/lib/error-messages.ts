/**
 * Human messages for stable error codes, in Simplified Chinese and English. The HTTP layer picks the
 * language from Accept-Language; clients switch on `code`, never on the message.
 */
export type Lang = 'zh-CN' | 'en';

export const ERROR_MESSAGES: Record<string, { 'zh-CN': string; en: string }> = {
  // Key custody and credentials (issue 4).
  credential_apiv3_key_length: { 'zh-CN': 'APIv3 密钥必须正好 32 字节。', en: 'The APIv3 key must be exactly 32 bytes.' },
  credential_apiv3_key_charset: { 'zh-CN': 'APIv3 密钥只能包含可打印 ASCII 字符且不含空格。', en: 'The APIv3 key must be printable ASCII without spaces.' },
  credential_apiv3_key_unchanged: { 'zh-CN': '新的 APIv3 密钥与当前密钥相同。', en: 'The new APIv3 key is the same as the current one.' },
  credential_key_pair_mismatch: { 'zh-CN': '私钥与证书不匹配。', en: 'The private key does not belong to this certificate.' },
  credential_mchid_mismatch: { 'zh-CN': '证书不是签发给该商户号的。', en: 'The certificate was not issued to this merchant id.' },
  credential_malformed_pem: { 'zh-CN': 'PEM 格式无法解析。', en: 'The PEM cannot be read.' },
  credential_public_key_id_malformed: { 'zh-CN': '微信支付公钥 ID 格式应为 PUB_KEY_ID_…。', en: 'The WeChat Pay public key id must look like PUB_KEY_ID_….' },
  credential_private_key_supplied: { 'zh-CN': '此处应上传公钥，却收到了私钥。', en: 'A private key was supplied where a public key belongs.' },
  credential_serial_unchanged: { 'zh-CN': '该证书已是当前使用的证书。', en: 'This certificate is already the active one.' },
  credential_nothing_staged: { 'zh-CN': '请先上传新的证书和私钥。', en: 'Stage a new certificate and key first.' },
  credential_nothing_to_retire: { 'zh-CN': '没有可停用的旧商户私钥。', en: 'There is no previous merchant key to retire.' },
  credential_public_key_missing: { 'zh-CN': '切换前请先添加微信支付公钥。', en: 'Add the WeChat Pay public key before cutting over.' },
  master_key_required: { 'zh-CN': '生产模式需要主密钥（ANFU_MASTER_KEY_FILE 或 Vault transit）。', en: 'Live mode needs a master key (ANFU_MASTER_KEY_FILE or Vault transit).' },
  master_key_development_in_live: { 'zh-CN': '生产模式拒绝使用开发主密钥。', en: 'Live mode refuses the development master key.' },
  master_key_file_permissions: { 'zh-CN': '主密钥文件只能由所有者读取（chmod 600）。', en: 'The master key file must be readable by its owner only (chmod 600).' },
  secret_missing: { 'zh-CN': '所需的密钥不存在。', en: 'The requested secret does not exist.' },
  reveal_reason_required: { 'zh-CN': '查看个人信息需要说明原因（3–200 个字符）。', en: 'Say why the personal data is needed (3–200 characters).' },
  audit_retention_too_short: { 'zh-CN': '审计日志至少保留 365 天。', en: 'Audit entries are kept at least 365 days.' },
  invalid_request: { 'zh-CN': '请求参数有误。', en: 'The request is invalid.' },
  invalid_json: { 'zh-CN': '请求体不是合法的 JSON。', en: 'The request body is not valid JSON.' },
  not_found: { 'zh-CN': '资源不存在。', en: 'No such resource.' },
  internal_error: { 'zh-CN': '系统内部错误。', en: 'Internal error.' },
  unauthenticated: { 'zh-CN': '缺少或无效的 API 密钥。', en: 'Missing or invalid API key.' },
  idempotency_key_required: { 'zh-CN': '此接口需要 Idempotency-Key 请求头。', en: 'This endpoint requires an Idempotency-Key header.' },
  idempotency_key_in_use: { 'zh-CN': '相同 Idempotency-Key 的请求仍在处理中。', en: 'A request with this Idempotency-Key is still in progress.' },
  idempotency_key_mismatch: {
    'zh-CN': 'Idempotency-Key 已用于参数不同的请求。',
    en: 'This Idempotency-Key was already used with different parameters.',
  },
  redirect_url_not_allowed: {
    'zh-CN': 'redirect_url 必须是 https，且域名是该商户已配置的 H5 支付域名。',
    en: 'redirect_url must be https on one of the merchant’s H5 payment domains.',
  },
  payer_client_ip_not_public: {
    'zh-CN': 'payer_client_ip 必须是付款用户的公网 IP。',
    en: 'payer_client_ip must be the payer’s public IP address.',
  },
  order_expired: { 'zh-CN': '订单已过期，请重新下单。', en: 'The order has expired; create a new payment.' },
  payment_not_pending: { 'zh-CN': '订单当前状态不允许该操作。', en: 'The payment is not in a state that allows this.' },
  payment_already_paid: { 'zh-CN': '订单已支付。', en: 'The payment has already been paid.' },
  refund_exceeds_amount: { 'zh-CN': '退款总额不能超过已支付金额。', en: 'Refunds cannot exceed the amount paid.' },
  refund_limit_reached: { 'zh-CN': '每笔订单最多退款 50 次。', en: 'A payment can be refunded at most 50 times.' },
  out_trade_no_conflict: { 'zh-CN': '该 out_trade_no 已用于参数不同的订单。', en: 'A payment with this out_trade_no exists with different parameters.' },
  out_refund_no_conflict: { 'zh-CN': '该 out_refund_no 已用于参数不同的退款。', en: 'A refund with this out_refund_no exists with different parameters.' },
  payment_not_found: { 'zh-CN': '订单不存在。', en: 'No such payment.' },
  refund_not_found: { 'zh-CN': '退款不存在。', en: 'No such refund.' },
  payment_not_refundable: { 'zh-CN': '只有已支付的订单可以退款。', en: 'Only a paid payment can be refunded.' },
  invalid_idempotency_key: { 'zh-CN': 'Idempotency-Key 必须是 1–255 个可打印 ASCII 字符。', en: 'Idempotency-Key must be 1–255 printable ASCII characters.' },
  wechat_param_error: { 'zh-CN': '微信支付认为参数有误。', en: 'WeChat Pay rejected a parameter.' },
  wechat_sign_error: { 'zh-CN': '微信支付验签失败，请检查商户证书与私钥配置。', en: 'WeChat Pay could not verify our signature; check the merchant certificate and key.' },
  wechat_appid_mchid_mismatch: { 'zh-CN': 'AppID 与商户号不匹配。', en: 'The AppID is not bound to the merchant ID.' },
  wechat_no_auth: { 'zh-CN': '商户未开通该产品或无权限。', en: 'The merchant lacks permission for this product.' },
  wechat_out_trade_no_used: { 'zh-CN': '商户订单号重复且参数不一致。', en: 'The out_trade_no was used with different parameters.' },
  wechat_order_closed: { 'zh-CN': '订单已关闭。', en: 'The order is closed.' },
  wechat_order_paid: { 'zh-CN': '订单已支付。', en: 'The order is already paid.' },
  wechat_order_not_exist: { 'zh-CN': '微信支付订单不存在。', en: 'WeChat Pay has no such order.' },
  wechat_not_enough: { 'zh-CN': '商户账户余额不足。', en: 'The merchant balance is insufficient.' },
  wechat_rate_limited: { 'zh-CN': '请求过于频繁，请稍后重试。', en: 'Rate limited by WeChat Pay; retry later.' },
  wechat_unavailable: { 'zh-CN': '微信支付暂时不可用，请稍后重试。', en: 'WeChat Pay is temporarily unavailable; retry later.' },
  wechat_rule_limit: { 'zh-CN': '业务规则限制。', en: 'Blocked by a WeChat Pay business rule.' },
  wechat_error: { 'zh-CN': '微信支付返回错误。', en: 'WeChat Pay returned an error.' },
  wechat_response_invalid: { 'zh-CN': '微信支付应答未通过校验。', en: 'The answer from WeChat Pay failed verification.' },
  risk_blocked: { 'zh-CN': '风控拒绝了该笔支付。', en: 'The payment was refused by risk control.' },
  risk_store_unavailable: { 'zh-CN': '风控计数服务暂不可用。', en: 'The risk velocity store is unavailable.' },
  risk_rule_set_invalid: { 'zh-CN': '规则集有误，请按错误位置修改。', en: 'The rule set is invalid; see the errors and their positions.' },
  risk_rule_set_not_found: { 'zh-CN': '规则集不存在。', en: 'No such rule set.' },
  risk_rule_set_not_draft: { 'zh-CN': '只有草稿可以修改，请新建草稿。', en: 'Only a draft can be edited; create a new draft instead.' },
  risk_rule_set_not_publishable: { 'zh-CN': '该版本已发布。', en: 'This version is already published.' },
  risk_rule_not_found: { 'zh-CN': '规则集中没有该规则。', en: 'No such rule in this set.' },
  risk_list_value_invalid: { 'zh-CN': '该值不符合名单类型（IP 名单需填写 IP 地址或 CIDR 网段）。', en: 'The value does not fit this list (an IP address or CIDR range for IP lists).' },
  risk_list_entry_exists: { 'zh-CN': '该值已在名单中。', en: 'This value is already on the list.' },
  risk_list_entry_not_found: { 'zh-CN': '名单条目不存在。', en: 'No such list entry.' },
  risk_backtest_too_large: { 'zh-CN': '回测的订单过多，请缩短天数。', en: 'Too many payments for one backtest; choose fewer days.' },
  review_not_found: { 'zh-CN': '审核单不存在。', en: 'No such review item.' },
  review_state_conflict: { 'zh-CN': '审核单当前状态不允许该操作。', en: 'The review item is not in a state that allows this.' },
  alert_not_found: { 'zh-CN': '告警不存在。', en: 'No such alert.' },
  alert_already_resolved: { 'zh-CN': '告警已解决。', en: 'The alert is already resolved.' },
  alert_input_invalid: { 'zh-CN': '告警参数有误。', en: 'The alert is malformed.' },
  alert_channel_invalid: { 'zh-CN': '告警通知渠道配置有误。', en: 'The alert channel is invalid.' },
  alert_channel_not_found: { 'zh-CN': '告警通知渠道不存在。', en: 'No such alert channel.' },
  alert_channel_global_forbidden: { 'zh-CN': '只有可访问全部商户的操作员才能添加全局通知渠道。', en: 'Only an operator with access to every merchant may add a global channel.' },
  monitor_kind_unknown: { 'zh-CN': '没有该类型的监控。', en: 'No such monitor kind.' },
  monitor_override_not_found: { 'zh-CN': '该商户没有此监控的自定义设置。', en: 'This merchant has no override of this monitor.' },
  metrics_unauthorized: { 'zh-CN': '需要有效的监控令牌。', en: 'A valid metrics bearer token is required.' },
};
/** Picks zh-CN when the Accept-Language header prefers Chinese, English otherwise. */
export function pickLang(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'en';
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('zh') ? 'zh-CN' : 'en';
}

export function localisedMessage(code: string, lang: Lang, fallback: string): string {
  return ERROR_MESSAGES[code]?.[lang] ?? fallback;
}
