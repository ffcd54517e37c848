import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { InputError } from '../../../functions/errors.ts';
import { lambdaHandler } from '../../../functions/lambda/middleware.ts';
import { observability } from '../../../functions/lambda/observability.ts';

const context = {
  functionName: 'snapshot-guard-sweep',
  awsRequestId: '7d2f0c1e-0000-4000-8000-000000000001',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('observability', () => {
  it("sends Powertools' empty-metrics warning through the function's logger, not raw to stderr", async () => {
    // Prepare: an event the stack rejects, so the invocation records no metric.
    const obs = observability();
    const warn = vi.spyOn(obs.logger, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    const handler = lambdaHandler(z.object({ id: z.string() }), obs, async () => 'done');
    // Act
    await expect(handler({ id: 1 } as never, context)).rejects.toBeInstanceOf(InputError);
    // Assess
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('No application metrics to publish'));
    expect(stderr.mock.calls.flat().join('')).not.toContain('No application metrics');
  });
});
