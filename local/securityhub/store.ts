import { ServiceError } from '../core/errors.ts';

/**
 * Security Hub findings as the service keeps them, per account and region. Only what the product
 * relies on is modelled, the way AWS documents it: BatchImportFindings creates or replaces a
 * finding by (ProductArn, Id) but never lets a provider change its Workflow once created, and
 * resets Workflow.Status to NEW when a finding comes back (ARCHIVED to ACTIVE, or PASSED to
 * FAILED); BatchUpdateFindings sets Workflow.Status; GetFindings filters and pages.
 */

export type StoredFinding = Record<string, unknown> & {
  Id: string;
  ProductArn: string;
  AwsAccountId: string;
  Region: string;
  RecordState: 'ACTIVE' | 'ARCHIVED';
  Workflow: { Status: string };
};

/** One field's filters, as GetFindings takes them (`{ Value, Comparison }`). */
export type StringFilter = { Value?: unknown; Comparison?: unknown };

const REQUIRED = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'Types',
  'CreatedAt',
  'UpdatedAt',
  'Severity',
  'Title',
  'Description',
  'Resources',
] as const;

export const securityHubErrors = {
  invalidInput: (message: string) => new ServiceError('InvalidInputException', message, 400),
};

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Why a finding cannot be imported, or undefined when it can. */
function problem(f: Record<string, unknown>, account: string, region: string): string | undefined {
  for (const field of REQUIRED)
    if (f[field] === undefined) return `Finding is missing required field ${field}`;
  const expected = `arn:aws:securityhub:${region}:${account}:product/${account}/default`;
  if (f.ProductArn !== expected && !String(f.ProductArn).startsWith('arn:aws:securityhub:')) {
    return `Invalid ProductArn ${String(f.ProductArn)}`;
  }
  if (f.ProductArn !== expected)
    return `ProductArn ${String(f.ProductArn)} is not this account's default product in ${region}`;
  if (f.AwsAccountId !== account) return 'AwsAccountId must be the calling account for the default product';
  if (!Array.isArray(f.Types) || f.Types.length === 0) return 'Types must list at least one type';
  const resources = f.Resources;
  if (!Array.isArray(resources) || resources.length < 1 || resources.length > 32) {
    return 'Resources must list 1 to 32 resources';
  }
  if (resources.some((r) => !r || typeof r !== 'object' || !str(r.Type) || !str(r.Id))) {
    return 'Each resource needs a Type and an Id';
  }
  if ((str(f.Title) ?? '').length > 256) return 'Title is longer than 256 characters';
  if ((str(f.Description) ?? '').length > 1024) return 'Description is longer than 1024 characters';
  const severity = f.Severity as { Label?: unknown; Normalized?: unknown } | undefined;
  if (!severity || (severity.Label === undefined && severity.Normalized === undefined)) {
    return 'Severity needs a Label';
  }
  return undefined;
}

/** The value GetFindings compares for one filter field of a stored finding. */
function valuesOf(f: StoredFinding, field: string): string[] {
  switch (field) {
    case 'ResourceId':
      return ((f.Resources as { Id: string }[]) ?? []).map((r) => r.Id);
    case 'ComplianceStatus':
      return [str((f.Compliance as { Status?: string } | undefined)?.Status) ?? ''];
    case 'WorkflowStatus':
      return [f.Workflow.Status];
    case 'SeverityLabel':
      return [str((f.Severity as { Label?: string } | undefined)?.Label) ?? ''];
    default:
      return [str(f[field]) ?? ''];
  }
}

const FILTER_FIELDS = new Set([
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'Region',
  'RecordState',
  'ResourceId',
  'ComplianceStatus',
  'WorkflowStatus',
  'SeverityLabel',
]);

/** EQUALS and PREFIX filters on one field are ORed, NOT_EQUALS ones ANDed, fields ANDed: as AWS documents. */
function passes(f: StoredFinding, filters: Record<string, StringFilter[]>): boolean {
  for (const [field, list] of Object.entries(filters)) {
    const values = valuesOf(f, field);
    const positive = list.filter((x) => x.Comparison === 'EQUALS' || x.Comparison === 'PREFIX');
    const negative = list.filter((x) => x.Comparison === 'NOT_EQUALS');
    const hit = (x: StringFilter) =>
      values.some((v) => (x.Comparison === 'PREFIX' ? v.startsWith(String(x.Value)) : v === x.Value));
    if (positive.length > 0 && !positive.some(hit)) return false;
    if (negative.some(hit)) return false;
  }
  return true;
}

export class SecurityHubStore {
  private findings = new Map<string, StoredFinding>();

  clear(): void {
    this.findings.clear();
  }

  /** Every stored finding, in the order first imported. */
  all(): StoredFinding[] {
    return [...this.findings.values()];
  }

  import(account: string, region: string, findings: unknown[]) {
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const raw of findings) {
      const f = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      const why = problem(f, account, region);
      if (why) {
        failed.push({ Id: str(f.Id) ?? '', ErrorCode: 'InvalidInput', ErrorMessage: why });
        continue;
      }
      const key = `${String(f.ProductArn)}|${String(f.Id)}`;
      const previous = this.findings.get(key);
      const record = (str(f.RecordState) ?? 'ACTIVE') as StoredFinding['RecordState'];
      const compliance = str((f.Compliance as { Status?: string } | undefined)?.Status);
      let workflow = previous?.Workflow ?? {
        Status: str((f.Workflow as { Status?: string })?.Status) ?? 'NEW',
      };
      const back =
        previous &&
        ((previous.RecordState === 'ARCHIVED' && record === 'ACTIVE') ||
          (str((previous.Compliance as { Status?: string } | undefined)?.Status) === 'PASSED' &&
            compliance !== undefined &&
            compliance !== 'PASSED'));
      if (back && workflow.Status !== 'SUPPRESSED') workflow = { Status: 'NEW' };
      // The provider's Workflow, Note, UserDefinedFields and VerificationState are ignored on update.
      const { Workflow: _w, Note: _n, UserDefinedFields: _u, VerificationState: _v, ...provided } = f;
      const kept = previous
        ? {
            Note: previous.Note,
            UserDefinedFields: previous.UserDefinedFields,
            VerificationState: previous.VerificationState,
          }
        : {};
      this.findings.set(key, {
        ...provided,
        ...Object.fromEntries(Object.entries(kept).filter(([, v]) => v !== undefined)),
        Id: String(f.Id),
        ProductArn: String(f.ProductArn),
        AwsAccountId: account,
        Region: region,
        RecordState: record,
        Workflow: workflow,
        WorkflowState: workflow.Status,
      } as StoredFinding);
    }
    return {
      FailedCount: failed.length,
      SuccessCount: findings.length - failed.length,
      FailedFindings: failed,
    };
  }

  get(
    account: string,
    region: string,
    filters: Record<string, StringFilter[]>,
    maxResults: number,
    nextToken?: string,
  ) {
    for (const field of Object.keys(filters)) {
      if (!FILTER_FIELDS.has(field))
        throw securityHubErrors.invalidInput(`Filter field ${field} is not supported here`);
    }
    const matching = this.all().filter(
      (f) => f.AwsAccountId === account && f.Region === region && passes(f, filters),
    );
    const start = nextToken ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw securityHubErrors.invalidInput('NextToken is not valid');
    const page = matching.slice(start, start + maxResults);
    const next =
      start + maxResults < matching.length
        ? Buffer.from(String(start + maxResults)).toString('base64')
        : undefined;
    return { Findings: page, ...(next ? { NextToken: next } : {}) };
  }

  updateWorkflow(
    account: string,
    region: string,
    ids: { Id?: unknown; ProductArn?: unknown }[],
    status: string,
  ) {
    const processed: { Id: string; ProductArn: string }[] = [];
    const unprocessed: {
      FindingIdentifier: { Id: string; ProductArn: string };
      ErrorCode: string;
      ErrorMessage: string;
    }[] = [];
    for (const id of ids) {
      const ident = { Id: str(id.Id) ?? '', ProductArn: str(id.ProductArn) ?? '' };
      const f = this.findings.get(`${ident.ProductArn}|${ident.Id}`);
      if (!f || f.AwsAccountId !== account || f.Region !== region) {
        unprocessed.push({
          FindingIdentifier: ident,
          ErrorCode: 'FindingNotFound',
          ErrorMessage: 'Finding not found',
        });
        continue;
      }
      f.Workflow = { Status: status };
      f.WorkflowState = status;
      processed.push(ident);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }
}
