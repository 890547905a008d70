/**
 * Fresh execution environments on a deployed function, the way AWS allows
 * it: a configuration change. Each bump sets one environment variable
 * (EMU_COLD_START) to a new value and waits for LastUpdateStatus Successful;
 * AWS then starts new environments for the next invocations. restore() puts
 * the original variables back (and waits again); the caller runs it in a
 * finally, so that a failure midway or Ctrl-C never leaves the function
 * changed. Only Environment is ever sent: nothing else of the configuration
 * is touched. Every step is said through `say`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import { internalError } from '../errors/emu-error.js';
import { loadLambdaSdk } from './lambda-sdk.js';

export const COLD_START_VARIABLE = 'EMU_COLD_START';

export interface ColdStartForcerOptions {
  client: LambdaClient;
  functionName: string;
  say: (message: string) => void;
  /** Between GetFunctionConfiguration polls. Default 1000. */
  pollIntervalMs?: number;
  /** How long an update may stay InProgress. Default 5 minutes. */
  updateTimeoutMs?: number;
}

export class ColdStartForcer {
  readonly #options: ColdStartForcerOptions;
  /** The variables as they were before the first bump; undefined until read. */
  #original: Record<string, string> | undefined;
  #changed = false;
  #bumps = 0;

  constructor(options: ColdStartForcerOptions) {
    this.#options = options;
  }

  get bumps(): number {
    return this.#bumps;
  }

  /** Reads the configuration to restore later; waits for an update already under way. Returns it. */
  async start(): Promise<FunctionConfiguration> {
    const configuration = await this.#waitForUpdate('before the first change');
    this.#original = { ...(configuration.Environment?.Variables ?? {}) };
    return configuration;
  }

  /** One more configuration change; resolves once the function is updated. */
  async bump(): Promise<void> {
    if (this.#original === undefined) throw internalError('ColdStartForcer.bump() before start()');
    this.#bumps += 1;
    const value = `${Date.now()}-${this.#bumps}`;
    this.#options.say(`--cold: setting ${COLD_START_VARIABLE}=${value} on ${this.#options.functionName} for fresh execution environments, waiting for the update`);
    this.#changed = true;
    await this.#update({ ...this.#original, [COLD_START_VARIABLE]: value });
  }

  /** Puts the original variables back, if anything was changed; safe to call more than once. */
  async restore(): Promise<void> {
    if (!this.#changed || this.#original === undefined) return;
    this.#options.say(`--cold: restoring the original environment variables of ${this.#options.functionName}`);
    try {
      await this.#update(this.#original);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw internalError(`--cold: restoring ${this.#options.functionName} FAILED (${reason}): it still has ${COLD_START_VARIABLE}; remove it with aws lambda update-function-configuration`);
    }
    this.#changed = false;
    this.#options.say(`--cold: ${this.#options.functionName} restored`);
  }

  async #update(variables: Record<string, string>): Promise<void> {
    const { UpdateFunctionConfigurationCommand } = loadLambdaSdk();
    const command = new UpdateFunctionConfigurationCommand({ FunctionName: this.#options.functionName, Environment: { Variables: variables } });
    const deadline = Date.now() + (this.#options.updateTimeoutMs ?? 300_000);
    for (;;) {
      try {
        await this.#options.client.send(command);
        break;
      } catch (error) {
        // Another update under way (ours not yet visible, or someone else's): wait for it, then send ours.
        if ((error as { name?: string }).name !== 'ResourceConflictException' || Date.now() > deadline) throw error;
        await sleep(this.#options.pollIntervalMs ?? 1000);
      }
    }
    await this.#waitForUpdate('after the change');
  }

  async #waitForUpdate(when: string): Promise<FunctionConfiguration> {
    const { GetFunctionConfigurationCommand } = loadLambdaSdk();
    const deadline = Date.now() + (this.#options.updateTimeoutMs ?? 300_000);
    for (;;) {
      const configuration = await this.#options.client.send(new GetFunctionConfigurationCommand({ FunctionName: this.#options.functionName }));
      const status = configuration.LastUpdateStatus;
      if (status === 'Failed' && when === 'after the change') {
        throw internalError(`--cold: the update of ${this.#options.functionName} failed: ${configuration.LastUpdateStatusReason ?? 'no reason given'}`);
      }
      if (status !== 'InProgress') return configuration;
      if (Date.now() > deadline) throw internalError(`--cold: ${this.#options.functionName} still InProgress ${when} after ${this.#options.updateTimeoutMs ?? 300_000} ms`);
      await sleep(this.#options.pollIntervalMs ?? 1000);
    }
  }
}
