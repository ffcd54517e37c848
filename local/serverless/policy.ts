import { RESTORE_ACTIONS, serverlessErrors } from './model.ts';

/** Who may restore a snapshot, the two ways a Serverless snapshot can be restored. */
export interface RestoreGrants {
  restoreAccess: string[];
  provisionedRestoreAccess: string[];
}

const ACCOUNT = /^\d{12}$/;
const ROOT_ARN = /^arn:aws[\w-]*:iam::(\d{12}):root$/;

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function accountOf(principal: unknown): string {
  const text = typeof principal === 'string' ? principal : '';
  const account = ACCOUNT.test(text) ? text : ROOT_ARN.exec(text)?.[1];
  if (!account) throw serverlessErrors.validation(`Invalid principal in policy: ${String(principal)}`);
  return account;
}

function parseDocument(policy: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw serverlessErrors.validation('The resource policy is not valid JSON.');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw serverlessErrors.validation('The resource policy must be a JSON object.');
  }
  return doc as Record<string, unknown>;
}

/**
 * The grants a snapshot resource policy states: every Allow statement's AWS principals, under
 * the restore action(s) it names. Anything else a snapshot policy cannot mean is refused, so a
 * test that writes a policy by hand learns it at once.
 *
 * @example
 * grantsFromPolicy('{"Statement":[{"Effect":"Allow","Principal":{"AWS":["999988887777"]},' +
 *   '"Action":["redshift-serverless:RestoreFromSnapshot"]}]}');
 * // { restoreAccess: ['999988887777'], provisionedRestoreAccess: [] }
 */
export function grantsFromPolicy(policy: string): RestoreGrants {
  const doc = parseDocument(policy);
  const grants: RestoreGrants = { restoreAccess: [], provisionedRestoreAccess: [] };
  for (const raw of list(doc.Statement)) {
    const statement = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    if (statement.Effect !== 'Allow') {
      throw serverlessErrors.validation('Only Allow statements are supported in a snapshot policy.');
    }
    const principal = (statement.Principal ?? {}) as Record<string, unknown>;
    const accounts = list(principal.AWS).map(accountOf);
    for (const action of list(statement.Action)) {
      const into =
        action === RESTORE_ACTIONS.namespace
          ? grants.restoreAccess
          : action === RESTORE_ACTIONS.provisioned
            ? grants.provisionedRestoreAccess
            : undefined;
      if (!into)
        throw serverlessErrors.validation(`Unsupported action in a snapshot policy: ${String(action)}`);
      for (const account of accounts) if (!into.includes(account)) into.push(account);
    }
  }
  return grants;
}

/** The policy document GetResourcePolicy answers with: one statement per kind of restore granted. */
export function policyFromGrants(grants: RestoreGrants): string {
  const statements = [
    { accounts: grants.restoreAccess, action: RESTORE_ACTIONS.namespace },
    { accounts: grants.provisionedRestoreAccess, action: RESTORE_ACTIONS.provisioned },
  ]
    .filter((s) => s.accounts.length > 0)
    .map((s) => ({ Effect: 'Allow', Principal: { AWS: [...s.accounts] }, Action: [s.action] }));
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
