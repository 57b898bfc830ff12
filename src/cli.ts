import { Command } from 'commander';
import { pathToFileURL } from 'node:url';
import { addSimulatorCommand } from './simulator/cli-command.ts';
import { addMigrateCommand } from './db/cli-command.ts';
import { addMerchantCommand } from './services/merchants/merchant-cli.ts';
import { addServeCommand } from './serve-command.ts';
import { addKeysCommand } from './services/custody/keys-cli.ts';
import { addAuditCommand } from './audit/audit-cli.ts';
import { addAdminCommand } from './services/operators/admin-cli.ts';
import { addDashboardCommand } from './services/admin/dashboard-cli.ts';

/**
 * The `anfu` command. Each capability registers its own subcommand from its folder, so this file
 * only lists them; building the program has no side effects (tests import it).
 */
export function buildProgram(): Command {
  const program = new Command('anfu').description('Anfu (安付): a self-hostable WeChat Pay H5 gateway').showHelpAfterError();
  addSimulatorCommand(program);
  addMigrateCommand(program);
  addMerchantCommand(program);
  addServeCommand(program);
  addKeysCommand(program);
  addAuditCommand(program);
  addAdminCommand(program);
  addDashboardCommand(program);
  return program;
}

function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  return import.meta.url === pathToFileURL(argv1).href || /[\\/]bin[\\/]anfu(\.js)?$/.test(argv1);
}

if (isEntry()) {
  await buildProgram().parseAsync(process.argv);
}
