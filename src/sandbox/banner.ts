import { dirname, join } from 'node:path';
import type { SandboxFile } from './sandbox-file.ts';
import { DEVELOPMENT_KEK_FILE } from '../services/custody/kms-from-config.ts';

/** What `npm start` prints: where everything is. The API key itself stays in sandbox.json. */
export function describeSandbox(file: SandboxFile, filePath: string): string {
  const rows: Array<[string, string]> = [
    ['Demo shop', file.demo_shop_url],
    ...(file.console_url ? ([['Console', `${file.console_url} (${file.admin_email}; password and TOTP secret in sandbox.json)`]] as Array<[string, string]>) : []),
    ['Webhook inbox', file.webhook_inbox_url],
    ['Gateway API', file.gateway_url],
    ['Health', `${file.gateway_url}/readyz`],
    ['Simulator', file.simulator_url],
    ['Merchant', `${file.merchant_id} (API key in sandbox.json)`],
    ['sandbox.json', filePath],
    // The sandbox seals secrets with a generated development KEK (live mode refuses it); kept so restarts open them.
    ['Master key', `${join(dirname(filePath), DEVELOPMENT_KEK_FILE)} (development key, unless ANFU_MASTER_KEY_FILE is set)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `\nAnfu sandbox is running — no real money moves.\n\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n\nOpen the demo shop on this machine, buy, pay in the simulated cashier. Ctrl-C stops it.\n\n`;
}
