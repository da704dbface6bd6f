/**
 * The `heatflow tado …` and `heatflow tado-sim` commands. Thin: arguments → settings → the same
 * services the ETL uses (device login, token store, client, simulator).
 */
import type { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { deviceLogin } from './device-login.js';
import { describeRateLimit } from './rate-limit.js';
import { startTadoSimulator, type TadoSimulatorOptions } from './simulator/tado-simulator.js';
import { TadoClient } from './tado-client.js';
import { loadTadoConfig, type TadoConfig } from './tado-config.js';
import { TokenManager } from './token-manager.js';
import { TokenStore } from './token-store.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(
        `${name} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got ${value}`,
        [name],
      );
    return n;
  };
}

function fractionOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new ConfigError(`${name} must be a number 0..1, got ${value}`, [name]);
    return n;
  };
}

function configWith(tokenFile: string | undefined): TadoConfig {
  return loadTadoConfig(
    tokenFile === undefined ? process.env : { ...process.env, TADO_TOKEN_FILE: tokenFile },
  );
}

/**
 * Adds `tado login`, `tado status` and `tado-sim` to the `heatflow` program.
 * Configuration: the `TADO_*` variables (see docs/tado.md).
 */
export function registerTadoCommands(program: Command): void {
  const tado = program.command('tado').description('the tado° account: sign in, quota status');

  tado
    .command('login')
    .description('sign in with the OAuth device flow and save the refresh token to TADO_TOKEN_FILE')
    .option('--token-file <path>', 'where to save the token (default: TADO_TOKEN_FILE)')
    .option(
      '--refresh-token <token>',
      "save this refresh token instead of signing in (e.g. the simulator's static token)",
    )
    .action(async (opts: { tokenFile?: string; refreshToken?: string }) => {
      const config = configWith(opts.tokenFile);
      const store = new TokenStore(config.TADO_TOKEN_FILE);
      if (opts.refreshToken !== undefined) {
        await store.withLock(() => store.write({ refreshToken: opts.refreshToken ?? '' }));
        out(`saved the refresh token to ${config.TADO_TOKEN_FILE}`);
        return;
      }
      const oauth = TadoClient.oauthClient(config);
      const tokens = new TokenManager(store, oauth, { refreshMarginMs: config.TADO_TOKEN_REFRESH_MARGIN_MS });
      const abort = new AbortController();
      const onSignal = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      try {
        await deviceLogin({
          oauth,
          tokens,
          clientId: config.TADO_CLIENT_ID,
          signal: abort.signal,
          onPrompt: (p) => {
            out(`Open this address in a browser and sign in to tado°:\n\n  ${p.url}\n`);
            out(`(or open ${p.verificationUri} and enter the code ${p.userCode})`);
            out(`Waiting for approval until ${p.expiresAt.toISOString()} …`);
          },
        });
      } finally {
        process.removeListener('SIGINT', onSignal);
      }
      out(`signed in; refresh token saved to ${config.TADO_TOKEN_FILE} (mode 0600)`);
    });

  tado
    .command('status')
    .description('check the saved sign-in with one request (GET /me) and show the daily request quota')
    .option('--token-file <path>', 'token file (default: TADO_TOKEN_FILE)')
    .option('--json', 'print JSON')
    .action(async (opts: { tokenFile?: string; json?: boolean }) => {
      const config = configWith(opts.tokenFile);
      const client = new TadoClient({ config: { ...config, TADO_RATE_RESERVE: 0 } });
      const me = await client.getMe();
      const rl = client.rateLimit;
      if (opts.json === true) {
        out(
          JSON.stringify({
            user: me.email ?? me.name,
            homes: me.homes,
            apiUrl: config.TADO_API_URL,
            tokenFile: config.TADO_TOKEN_FILE,
            rateLimit: rl === undefined ? null : { ...rl, refillAt: rl.refillAt?.toISOString() ?? null },
          }),
        );
        return;
      }
      out(
        `signed in as ${me.email ?? me.name}; homes: ${me.homes.map((h) => `${h.id} (${h.name})`).join(', ')}`,
      );
      out(`API ${config.TADO_API_URL}; token file ${config.TADO_TOKEN_FILE}`);
      out(`quota: ${describeRateLimit(rl, new Date())}; reserve kept: ${config.TADO_RATE_RESERVE}`);
    });

  program
    .command('tado-sim')
    .description('run the offline tado° API simulator until SIGINT/SIGTERM')
    .option('--port <port>', 'TCP port', intOption('--port', 0, 65_535), 8081)
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--seed <n>', 'seed of the simulated year', intOption('--seed', 0), 1)
    .option('--quota <n>', 'daily request quota', intOption('--quota', 0), 20_000)
    .option('--latency-ms <ms>', 'added delay per response', intOption('--latency-ms', 0), 0)
    .option(
      '--error-rate <fraction>',
      'fraction of API requests answered with a 5xx',
      fractionOption('--error-rate'),
      0,
    )
    .option('--auto-approve', 'approve device sign-ins at once (no browser step)')
    .option(
      '--static-refresh-token <token>',
      'a refresh token always accepted (for demos); "" disables',
      'heatflow-simulator',
    )
    .option(
      '--placeholder-after-days <n>',
      "days older than this get tado's placeholder report",
      intOption('--placeholder-after-days', 1),
    )
    .action(
      async (opts: {
        port: number;
        host: string;
        seed: number;
        quota: number;
        latencyMs: number;
        errorRate: number;
        autoApprove?: boolean;
        staticRefreshToken: string;
        placeholderAfterDays?: number;
      }) => {
        const simOptions: TadoSimulatorOptions = {
          port: opts.port,
          host: opts.host,
          seed: opts.seed,
          quota: opts.quota,
          latencyMs: opts.latencyMs,
          errorRate: opts.errorRate,
          autoApprove: opts.autoApprove === true,
          staticRefreshToken: opts.staticRefreshToken === '' ? null : opts.staticRefreshToken,
          ...(opts.placeholderAfterDays === undefined
            ? {}
            : { placeholderAfterDays: opts.placeholderAfterDays }),
        };
        const sim = await startTadoSimulator(simOptions);
        out(`tado simulator listening on ${sim.url} (seed ${opts.seed}, quota ${opts.quota}/day)`);
        out(`  TADO_API_URL=${sim.apiUrl}`);
        out(`  TADO_AUTH_URL=${sim.authUrl}`);
        if (simOptions.staticRefreshToken !== null) {
          out(`  sign in without a browser: heatflow tado login --refresh-token ${opts.staticRefreshToken}`);
        }
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await sim.close();
        out('tado simulator stopped');
      },
    );
}
