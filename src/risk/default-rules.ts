import type { RuleSetInput } from './rule.ts';

/**
 * The rule set Anfu ships enabled. Thresholds are in fen and count *earlier* events (the attempt
 * being decided is not yet in the window). They are starting points for a small H5 merchant; the
 * operator tunes them, ideally by backtesting a draft against recent payments first.
 * docs/risk.md explains each rule.
 */
export const DEFAULT_RULE_SET: RuleSetInput = {
  version: 1,
  rules: [
    {
      id: 'block-listed-ip',
      expression: 'lists.ip_blocked && !lists.ip_allowed',
      action: 'block',
      score: 100,
      priority: 10,
      reason: { 'zh-CN': '付款IP在黑名单中', en: 'Payer IP is on the block list' },
    },
    {
      id: 'block-listed-device',
      expression: 'lists.device_blocked && !lists.device_allowed',
      action: 'block',
      score: 100,
      priority: 10,
      reason: { 'zh-CN': '设备在黑名单中', en: 'Device is on the block list' },
    },
    {
      id: 'block-listed-payer',
      expression: 'lists.openid_blocked && !lists.openid_allowed',
      action: 'block',
      score: 100,
      priority: 10,
      reason: { 'zh-CN': '付款用户在黑名单中', en: 'Payer is on the block list' },
    },
    {
      id: 'ip-burst-block',
      expression: '!lists.ip_allowed && (velocity.ip.count_1m >= 10 || velocity.ip.count_1h >= 60)',
      action: 'block',
      score: 80,
      priority: 20,
      reason: { 'zh-CN': '同一IP短时间内下单过于频繁', en: 'Too many payment attempts from this IP' },
    },
    {
      id: 'device-burst-block',
      expression: '!lists.device_allowed && (velocity.device.count_1m >= 6 || velocity.device.count_1h >= 30)',
      action: 'block',
      score: 80,
      priority: 20,
      reason: { 'zh-CN': '同一设备短时间内下单过于频繁', en: 'Too many payment attempts from this device' },
    },
    {
      id: 'ip-burst-review',
      expression: '!lists.ip_allowed && (velocity.ip.count_1m >= 5 || velocity.ip.count_10m >= 20)',
      action: 'review',
      score: 30,
      priority: 30,
      reason: { 'zh-CN': '同一IP下单频率异常', en: 'Unusual attempt rate from this IP' },
    },
    {
      id: 'device-burst-review',
      expression: '!lists.device_allowed && (velocity.device.count_1m >= 3 || velocity.device.count_10m >= 10)',
      action: 'review',
      score: 30,
      priority: 30,
      reason: { 'zh-CN': '同一设备下单频率异常', en: 'Unusual attempt rate from this device' },
    },
    {
      id: 'repeated-failures',
      expression: 'failures.ip.count_10m >= 3 || failures.device.count_1h >= 5',
      action: 'review',
      score: 30,
      priority: 30,
      reason: { 'zh-CN': '近期多次支付失败', en: 'Repeated failed payments recently' },
    },
    {
      id: 'large-amount',
      // 5,000.00 yuan
      expression: 'amount >= 500000',
      action: 'review',
      score: 40,
      priority: 40,
      reason: { 'zh-CN': '大额交易', en: 'Large amount' },
    },
    {
      id: 'new-device-large-amount',
      // 2,000.00 yuan from a device not seen in the last 24 h
      expression: 'is_new_device && amount >= 200000',
      action: 'review',
      score: 30,
      priority: 40,
      reason: { 'zh-CN': '新设备大额交易', en: 'Large amount from a new device' },
    },
    {
      id: 'payer-daily-total',
      // 20,000.00 yuan paid by one WeChat user in 24 h, including this payment
      expression: 'phase == "post_payment" && successes.payer.sum_24h + amount >= 2000000',
      action: 'review',
      score: 40,
      priority: 40,
      reason: { 'zh-CN': '付款用户当日累计金额过高', en: 'Payer daily total is high' },
    },
    {
      id: 'ip-many-devices',
      // Shadow: carrier-grade NAT puts many honest phones behind one IP in China, so this one is
      // measured before it is allowed to act.
      expression: 'velocity.ip.distinct_1h >= 5',
      action: 'review',
      score: 20,
      priority: 50,
      mode: 'shadow',
      reason: { 'zh-CN': '同一IP出现多个设备', en: 'Many devices behind one IP' },
    },
  ],
};
