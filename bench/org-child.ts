import { childMain } from './child.ts';
import { measureOrgSweep, OrgConfigSchema } from './org-measure.ts';

childMain((raw) => OrgConfigSchema.parse(raw), measureOrgSweep);
