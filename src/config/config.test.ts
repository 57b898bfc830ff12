import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadLogLevel } from './config.ts';

describe('loadConfig', () => {
  it('gives sandbox defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('sandbox');
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads ANFU_ variables and the conventional DATABASE_URL', () => {
    const c = loadConfig({ ANFU_PORT: '9000', ANFU_MODE: 'live', DATABASE_URL: 'postgres://127.0.0.1/test' });
    expect(c.port).toBe(9000);
    expect(c.mode).toBe('live');
    expect(c.databaseUrl).toBe('postgres://127.0.0.1/test');
  });

  it('reads the log level alone for the simulator command, ignoring other variables', () => {
    expect(loadLogLevel({})).toBe('info');
    expect(loadLogLevel({ ANFU_LOG_LEVEL: 'debug', ANFU_PORT: 'eighty', LOG_LEVEL: 'trace' })).toBe('debug');
    expect(() => loadLogLevel({ ANFU_LOG_LEVEL: 'loud' })).toThrow(/ANFU_LOG_LEVEL/);
  });

  it('reports every problem at once, naming the variables', () => {
    try {
      loadConfig({ ANFU_PORT: 'eighty', ANFU_MODE: 'prod', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('ANFU_PORT');
      expect(problems).toContain('ANFU_MODE');
      expect(problems).toContain('DATABASE_URL');
      expect((e as ConfigError).problems).toHaveLength(3);
    }
  });

  it('keeps audit entries at least 12 months: ANFU_AUDIT_RETENTION_DAYS defaults to 400 and refuses less than 365', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(400);
    expect(loadConfig({ ANFU_AUDIT_RETENTION_DAYS: '365' }).auditRetentionDays).toBe(365);
    expect(loadConfig({ ANFU_AUDIT_RETENTION_DAYS: '3650' }).auditRetentionDays).toBe(3650);
    expect(() => loadConfig({ ANFU_AUDIT_RETENTION_DAYS: '364' })).toThrow(ConfigError);
    try {
      loadConfig({ ANFU_AUDIT_RETENTION_DAYS: '90' });
    } catch (e) {
      expect((e as ConfigError).problems.join('\n')).toContain('ANFU_AUDIT_RETENTION_DAYS: must be at least 365 (12 months)');
    }
  });
});
