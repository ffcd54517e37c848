/**
 * What AWS names look like, wherever they come in: the policy, a CloudTrail event, the command
 * line, an AWS answer. One definition each, so no two checks can disagree.
 */

/**
 * A 12-digit AWS account id. ASCII digits only: `\d` would be ASCII too, but spelling it out
 * keeps look-alike digits (Arabic-Indic, full-width) from ever being mistaken for an account id.
 *
 * @example
 * ACCOUNT_ID.test('111122223333'); // true
 */
export const ACCOUNT_ID = /^[0-9]{12}$/;

/**
 * An AWS region name: lowercase, e.g. `eu-west-1`, `us-gov-west-1`.
 *
 * @example
 * REGION.test('eu-west-1'); // true; REGION.test('EU-WEST-1') is false
 */
export const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;
