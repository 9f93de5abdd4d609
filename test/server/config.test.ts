import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';

describe('config', () => {
  it('has working defaults with no environment', () => {
    const c = loadConfig({});
    expect([c.httpPort, c.grpcPort, c.tokenKeyIsDefault]).toEqual([8080, 50051, true]);
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('lists every problem in one error', () => {
    expect(() =>
      loadConfig({ HTTP_PORT: 'eighty', GRPC_PORT: '70000', RISK_TOKEN_KEY: 'short', LOG_LEVEL: 'loud' }),
    ).toThrow(/HTTP_PORT=eighty[\s\S]*GRPC_PORT=70000[\s\S]*LOG_LEVEL=loud[\s\S]*RISK_TOKEN_KEY/);
  });
  it('drains for a grace period inside a shutdown deadline', () => {
    const c = loadConfig({});
    expect([c.drainGraceMs, c.shutdownTimeoutMs]).toEqual([5000, 9000]);
    expect(() => loadConfig({ RISK_DRAIN_GRACE_MS: '10000' })).toThrow(
      /RISK_SHUTDOWN_TIMEOUT_MS=9000: must exceed RISK_DRAIN_GRACE_MS=10000/,
    );
    expect(loadConfig({ RISK_DRAIN_GRACE_MS: '10000', RISK_SHUTDOWN_TIMEOUT_MS: '15000' }).drainGraceMs).toBe(
      10_000,
    );
  });
});

describe('README', () => {
  it('documents every environment variable', async () => {
    const { readFileSync } = await import('node:fs');
    const { CONFIG_FIELDS } = await import('../../src/server/config.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const f of Object.values(CONFIG_FIELDS)) expect(readme).toContain(`| \`${f.env}\` |`);
  });
});
