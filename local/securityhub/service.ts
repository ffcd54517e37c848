import type { RestJsonService } from '../core/service.ts';
import { type SecurityHubStore, type StringFilter, securityHubErrors } from './store.ts';

/** BatchImportFindings and BatchUpdateFindings take at most 100 findings; GetFindings returns at most 100. */
const MAX_FINDINGS = 100;
const WORKFLOW = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);

/**
 * Security Hub's restJson1 operations the product uses: BatchImportFindings (a finding provider
 * sending its findings), GetFindings (what is still open) and BatchUpdateFindings (Workflow.Status).
 */
export function securityHubService(store: SecurityHubStore): RestJsonService {
  return {
    protocol: 'rest-json',
    name: 'securityhub',
    faultCodes: {
      throttle: 'TooManyRequestsException',
      internal: 'InternalException',
      unavailable: 'InternalException',
    },
    routes: {
      'POST /findings/import': 'BatchImportFindings',
      'POST /findings': 'GetFindings',
      'PATCH /findings/batchupdate': 'BatchUpdateFindings',
    },
    actions: {
      BatchImportFindings(ctx, body) {
        const findings = body.Findings;
        if (!Array.isArray(findings) || findings.length < 1 || findings.length > MAX_FINDINGS) {
          throw securityHubErrors.invalidInput(`Findings must list between 1 and ${MAX_FINDINGS} findings`);
        }
        return store.import(ctx.account, ctx.region, findings);
      },

      GetFindings(ctx, body) {
        const max = body.MaxResults === undefined ? MAX_FINDINGS : Number(body.MaxResults);
        if (!Number.isInteger(max) || max < 1 || max > MAX_FINDINGS) {
          throw securityHubErrors.invalidInput(`MaxResults must be between 1 and ${MAX_FINDINGS}`);
        }
        const filters = (body.Filters && typeof body.Filters === 'object' ? body.Filters : {}) as Record<
          string,
          StringFilter[]
        >;
        const token = typeof body.NextToken === 'string' ? body.NextToken : undefined;
        return store.get(ctx.account, ctx.region, filters, max, token);
      },

      BatchUpdateFindings(ctx, body) {
        const ids = body.FindingIdentifiers;
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_FINDINGS) {
          throw securityHubErrors.invalidInput(
            `FindingIdentifiers must list between 1 and ${MAX_FINDINGS} findings`,
          );
        }
        const status = (body.Workflow as { Status?: unknown } | undefined)?.Status;
        if (typeof status !== 'string' || !WORKFLOW.has(status)) {
          throw securityHubErrors.invalidInput(
            'Workflow.Status must be NEW, NOTIFIED, RESOLVED or SUPPRESSED',
          );
        }
        return store.updateWorkflow(ctx.account, ctx.region, ids, status);
      },
    },
  };
}
