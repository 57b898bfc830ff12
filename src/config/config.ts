import { z } from 'zod';

/**
 * The whole configuration in one zod schema. Environment variables are read here and nowhere else:
 * `ANFU_*`, plus the conventional `DATABASE_URL` and `REDIS_URL`. All problems are reported at once.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

export const configSchema = z.object({
  mode: z.enum(['sandbox', 'live']).default('sandbox'),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8080),
  /** Public base URL of the gateway (what WeChat and payers reach); defaults to http://host:port. */
  publicUrl: z.url().optional(),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  /** Namespace of the risk velocity keys in Redis (several gateways or test runs sharing one Redis). */
  redisKeyPrefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1–64 of [A-Za-z0-9:_.-]').default('anfu:risk:'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Simulator port for the sandbox (0 = any free port). */
  simulatorPort: port.default(0),
  /** Compresses the simulator's notification retry schedule and refund delays (sandbox). */
  simulatorTimeScale: z.coerce.number().positive().default(1),
  wechatpayTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
  trustProxy: bool.default(false),
  /** Bearer token for GET /metrics; required in live mode (without it /metrics always answers 401). */
  metricsToken: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  /** Monitor evaluation period, alert cool-down and escalation delay; WeCom robot API origin. */
  monitorIntervalMs: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  alertCooldownMinutes: z.coerce.number().int().min(0).max(10_080).default(30),
  alertEscalateMinutes: z.coerce.number().int().min(1).max(10_080).default(15),
  wecomRobotBaseUrl: z.url().default('https://qyapi.weixin.qq.com'),
  /** Key-encryption key: a file holding 32 random bytes in Base64 (chmod 600 in live mode). */
  masterKeyFile: z.string().min(1).optional(),
  /** A KEK kept for opening only, during a master-key rotation (docs/security.md runbook). */
  previousMasterKeyFile: z.string().min(1).optional(),
  kms: z.enum(['local', 'vault-transit']).default('local'),
  vaultAddr: z.url().optional(),
  vaultTokenFile: z.string().min(1).optional(),
  vaultTransitKey: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1–128 of [A-Za-z0-9_.-]').optional(),
  /** How long audit entries are kept; at least a year. */
  auditRetentionDays: z.coerce.number().int().min(365, 'must be at least 365 (12 months)').max(36_500).default(400),
});

export type Config = z.infer<typeof configSchema>;

/** Maps ANFU_FOO_BAR → fooBar; DATABASE_URL and REDIS_URL keep their conventional names. */
const ENV_KEYS: Record<keyof Config, string> = {
  mode: 'ANFU_MODE',
  host: 'ANFU_HOST',
  port: 'ANFU_PORT',
  publicUrl: 'ANFU_PUBLIC_URL',
  dataDir: 'ANFU_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  redisKeyPrefix: 'ANFU_REDIS_KEY_PREFIX',
  logLevel: 'ANFU_LOG_LEVEL',
  simulatorPort: 'ANFU_SIMULATOR_PORT',
  simulatorTimeScale: 'ANFU_SIMULATOR_TIME_SCALE',
  wechatpayTimeoutMs: 'ANFU_WECHATPAY_TIMEOUT_MS',
  trustProxy: 'ANFU_TRUST_PROXY',
  metricsToken: 'ANFU_METRICS_TOKEN',
  monitorIntervalMs: 'ANFU_MONITOR_INTERVAL_MS',
  alertCooldownMinutes: 'ANFU_ALERT_COOLDOWN_MINUTES',
  alertEscalateMinutes: 'ANFU_ALERT_ESCALATE_MINUTES',
  wecomRobotBaseUrl: 'ANFU_WECOM_ROBOT_BASE_URL',
  masterKeyFile: 'ANFU_MASTER_KEY_FILE',
  previousMasterKeyFile: 'ANFU_PREVIOUS_MASTER_KEY_FILE',
  kms: 'ANFU_KMS',
  vaultAddr: 'ANFU_VAULT_ADDR',
  vaultTokenFile: 'ANFU_VAULT_TOKEN_FILE',
  vaultTransitKey: 'ANFU_VAULT_TRANSIT_KEY',
  auditRetentionDays: 'ANFU_AUDIT_RETENTION_DAYS',
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV_KEYS)) {
    const v = env[envName];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  Object.assign(raw, overrides);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path[0] as keyof Config | undefined;
      const name = key ? (ENV_KEYS[key] ?? String(key)) : '(config)';
      return `${name}: ${i.message}`;
    });
    throw new ConfigError(problems);
  }
  return parsed.data;
}

/**
 * Only ANFU_LOG_LEVEL, for commands such as `anfu simulator` that need nothing else of the gateway's
 * configuration (and must not fail on a gateway variable they never use).
 */
export function loadLogLevel(env: NodeJS.ProcessEnv = process.env): Config['logLevel'] {
  const raw = env[ENV_KEYS.logLevel];
  const parsed = configSchema.shape.logLevel.safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${ENV_KEYS.logLevel}: ${i.message}`));
  return parsed.data;
}

/** For entry points: prints every configuration problem and exits 1 instead of throwing. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
