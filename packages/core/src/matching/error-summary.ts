import { storableText } from './stored-text';

const STATEMENT_START = /^\s*(?:insert|update|delete|select|with|create|alter|drop|merge|replace)\b/i;

/**
 * A short account of why a call failed, safe to put in a row result or a mismatch message: the
 * driver's own words without the statement knex prefixes to them (which holds every bound value, a
 * 70,000-character title included), at most `max` characters. The full error stays the caller's
 * `cause`.
 */
export function summarizeError(error: unknown, max = 300): string {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { sqlMessage?: unknown; code?: unknown; message?: unknown };
  // mysql2 names MariaDB-only error numbers after unrelated MySQL codes: its message alone is clearer
  if (typeof fields.sqlMessage === 'string') return storableText(fields.sqlMessage, max);
  let text = typeof fields.message === 'string' ? fields.message : String(error);
  // knex writes "<statement with its values> - <driver message>"
  if (STATEMENT_START.test(text)) {
    const cut = text.lastIndexOf(' - ');
    text = cut === -1 ? 'the database refused the statement' : text.slice(cut + 3);
  }
  if (typeof fields.code === 'string' && !text.includes(fields.code)) text = `${fields.code}: ${text}`;
  return storableText(text, max);
}
